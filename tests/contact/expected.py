"""The five figures worked out independently of the widget: straight from the documents the
sandbox stores, with PRODUCT.md's definitions written out again here (not via widget.summary)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from tests.contact.support import ContactServer, ms_day, stored

ZONES = {"Demo Company (NZ)": "Pacific/Auckland", "Demo Company (UK)": "Europe/London"}
CENT = Decimal("0.01")
NAMES = (
    "open_quotes",
    "overdue_invoices",
    "outstanding_invoices",
    "overdue_bills",
    "outstanding_bills",
)


def org_today(server: ContactServer, org_name: str) -> date:
    """Today where the organisation is, at the sandbox clock's instant."""
    now = server.sandbox.clock.now().replace(tzinfo=UTC)
    return now.astimezone(ZoneInfo(ZONES[org_name])).date()


def _in_base(amount, rate) -> Decimal:
    amount = Decimal(str(amount))
    rate = Decimal(str(rate)) if rate not in (None, "") else Decimal(1)
    return amount / rate if rate > 0 else amount


def figures(
    server: ContactServer,
    org_name: str,
    contact_id: str,
    today: date,
    open_statuses=("DRAFT", "SENT"),
) -> dict[str, dict]:
    sums = {name: [0, Decimal(0), 0] for name in NAMES}

    def add(name: str, amount: Decimal) -> None:
        sums[name][0] += 1
        sums[name][1] += amount

    for invoice in stored(server, org_name, "invoice"):
        if invoice["Contact"]["ContactID"] != contact_id or invoice["Status"] != "AUTHORISED":
            continue
        due = Decimal(str(invoice["AmountDue"]))
        if due <= 0:
            continue
        kind = "invoices" if invoice["Type"] == "ACCREC" else "bills"
        amount = _in_base(due, invoice.get("CurrencyRate"))
        add(f"outstanding_{kind}", amount)
        if ms_day(invoice["DueDate"]) < today:
            add(f"overdue_{kind}", amount)
    for quote in stored(server, org_name, "quote"):
        if quote["Contact"]["ContactID"] != contact_id or quote["Status"] not in open_statuses:
            continue
        add("open_quotes", _in_base(quote["Total"], quote.get("CurrencyRate")))
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


def boundary(day: date, org_name: str) -> datetime:
    """The UTC instant the organisation's calendar turns from `day` to the next day."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(ZONES[org_name]))
    return midnight.astimezone(UTC)
