"""All of a contact's (or a company's) documents, from the mirror: one page of 25 at a time,
newest first, by kind (invoices, bills, quotes, credit notes), status filter and text, each row
with its paid status and its link into Xero. A contact with 3,000 invoices gives a page of 25
and "More", never the whole history in one fragment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from widget.contact import mirrored, present
from widget.mirror.read import LIST_FILTERS, MAX_PAGE
from widget.paging import page_number
from widget.summary import BILL, PURCHASE_CREDIT, DocumentLine, payment_state

KINDS = (
    ("invoices", "Invoices"),
    ("bills", "Bills"),
    ("quotes", "Quotes"),
    ("credit_notes", "Credit notes"),
)
FILTER_LABELS = {
    "outstanding": "Outstanding",
    "paid": "Paid",
    "draft": "Draft",
    "all": "All",
    "open": "Open",
    "available": "With credit left",
}
MAX_TEXT = 100


@dataclass(frozen=True)
class Listing:
    kind: str
    status: str
    text: str
    page: int
    more: bool
    rows: tuple[present.DocumentView, ...]

    @property
    def filters(self) -> list[tuple[str, str]]:
        return [(name, FILTER_LABELS[name]) for name in LIST_FILTERS[self.kind]]


def listing(ctx, contact_ids: Iterable[str], args: Mapping[str, str], org) -> Listing:
    """The page the request asks for (unknown kinds and filters fall back to the first)."""
    kind = args.get("kind", "")
    kind = kind if kind in LIST_FILTERS else KINDS[0][0]
    status = args.get("status", "")
    status = status if status in LIST_FILTERS[kind] else LIST_FILTERS[kind][0]
    text = " ".join(str(args.get("q", "")).split())[:MAX_TEXT]
    number = page_number(args.get("page"), MAX_PAGE)
    found = mirrored.page(ctx, contact_ids, kind, status, text, number)
    rows = tuple(_row(item, kind, ctx.locale, org) for item in found.items)
    return Listing(kind, status, text, found.page, found.more, rows)


def _row(item, kind: str, locale, org) -> present.DocumentView:
    line = _line(item, kind)
    view = present.document_view(line, locale, org.base_currency, org.short_code)
    payment = payment_state(item) if kind in ("invoices", "bills") else None
    return replace(view, payment=payment)


def _line(item, kind: str) -> DocumentLine:
    """The row as a summary line (its own currency; nothing here adds to a figure)."""
    common = {
        "reference": item.reference,
        "contact_id": item.contact_id,
        "contact_name": item.contact_name,
        "status": item.status,
        "date": item.date,
        "currency_code": item.currency_code,
        "currency_rate": item.currency_rate,
        "base_amount": 0,
    }
    if kind == "quotes":
        return DocumentLine(kind="quote", document_id=item.quote_id, number=item.quote_number,
                            due_date=item.expiry_date, total=item.total or 0, amount_due=None,
                            **common)  # fmt: skip
    if kind == "credit_notes":
        side = "purchase_credit" if item.type == PURCHASE_CREDIT else "sales_credit"
        return DocumentLine(kind=side, document_id=item.credit_note_id,
                            number=item.credit_note_number, due_date=None, total=item.total or 0,
                            amount_due=item.remaining_credit, **common)  # fmt: skip
    return DocumentLine(kind="bill" if item.type == BILL else "invoice",
                        document_id=item.invoice_id, number=item.invoice_number,
                        due_date=item.due_date, total=item.total or 0,
                        amount_due=item.amount_due, **common)  # fmt: skip
