"""A company's figures worked out independently of the widget: from the documents the sandbox
stores, with PRODUCT.md's definitions written out here (not via widget.summary), over a SET of
Xero contacts, so each contact's documents count once however many people link to it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tests.contact.expected import CENT, NAMES, org_today  # noqa: F401  (org_today: re-export)
from tests.contact.support import ContactServer, ms_day, stored


def in_base(amount, rate) -> Decimal:
    amount = Decimal(str(amount))
    rate = Decimal(str(rate)) if rate not in (None, "") else Decimal(1)
    return amount / rate if rate > 0 else amount


def figures_for(
    server: ContactServer,
    org_name: str,
    contact_ids: Iterable[str],
    today: date,
    open_statuses=("DRAFT", "SENT"),
    *,
    invoice_ids: Iterable[str] | None = None,
    quote_ids: Iterable[str] | None = None,
) -> dict[str, dict]:
    """The five figures over these contacts' documents (or, for a deal, only these documents)."""
    wanted = {i.lower() for i in contact_ids}
    only_invoices = None if invoice_ids is None else {i.lower() for i in invoice_ids}
    only_quotes = None if quote_ids is None else {i.lower() for i in quote_ids}
    sums = {name: [0, Decimal(0), 0] for name in NAMES}

    def add(name: str, amount: Decimal) -> None:
        sums[name][0] += 1
        sums[name][1] += amount

    for invoice in stored(server, org_name, "invoice"):
        if invoice["Contact"]["ContactID"].lower() not in wanted:
            continue
        if only_invoices is not None and invoice["InvoiceID"].lower() not in only_invoices:
            continue
        due = Decimal(str(invoice["AmountDue"]))
        if invoice["Status"] != "AUTHORISED" or due <= 0:
            continue
        kind = "invoices" if invoice["Type"] == "ACCREC" else "bills"
        amount = in_base(due, invoice.get("CurrencyRate"))
        add(f"outstanding_{kind}", amount)
        if ms_day(invoice["DueDate"]) < today:
            add(f"overdue_{kind}", amount)
    for quote in stored(server, org_name, "quote"):
        if quote["Contact"]["ContactID"].lower() not in wanted:
            continue
        if only_quotes is not None and quote["QuoteID"].lower() not in only_quotes:
            continue
        if quote["Status"] not in open_statuses:
            continue
        add("open_quotes", in_base(quote["Total"], quote.get("CurrencyRate")))
        if quote["Status"] == "SENT" and ms_day(quote["ExpiryDate"]) < today:
            sums["open_quotes"][2] += 1
    return {
        name: {
            "count": count,
            "total": total.quantize(CENT, rounding=ROUND_HALF_UP),
            "expired": expired,
        }
        for name, (count, total, expired) in sums.items()
    }
