"""The five figures of a linked contact's panel and the documents behind them (PRODUCT.md).

Pure: it takes the documents Xero returned, "today" in the organisation's zone and the settings, and
says what the panel shows. Keeping Xero, clocks and caches out makes every rule testable by hand.

- Open quotes: DRAFT or SENT (plus whatever the admin adds, e.g. ACCEPTED); total = sum of Total.
  SENT quotes whose expiry date has passed are still counted, and marked expired.
- Outstanding invoices: ACCREC, AUTHORISED, AmountDue > 0; total = sum of AmountDue.
- Overdue invoices: outstanding, DueDate before today (the organisation's today).
- Outstanding / overdue bills: the same for ACCPAY.
- Draft invoices and bills (DRAFT ACCREC / ACCPAY) are listed apart and never counted: a rep who
  has just raised one from the panel must see it, but it is not owed until it is approved.
- Credit available: AUTHORISED credit notes with RemainingCredit > 0, to the customer
  (ACCRECCREDIT) and from the supplier (ACCPAYCREDIT) apart; total = sum of RemainingCredit.
  A PAID credit note is fully allocated or refunded: nothing left to use.
- Paid status: a payment lowers AmountDue; an invoice with nothing due is PAID and leaves the
  outstanding figures; one with less due than its total is part-paid (listed with both).
Amounts are summed in the base currency (amount / CurrencyRate) and rounded once per figure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from widget.money import ZERO, has_usable_rate, quantize_money, sum_base, to_base

SALES = "ACCREC"
BILL = "ACCPAY"
AUTHORISED = "AUTHORISED"
DRAFT = "DRAFT"
#: what the one Invoices call asks for: AUTHORISED for the figures, DRAFT only to be listed
INVOICE_STATUSES = (AUTHORISED, DRAFT)
SALES_CREDIT = "ACCRECCREDIT"
PURCHASE_CREDIT = "ACCPAYCREDIT"
DEFAULT_OPEN_QUOTE_STATUSES = frozenset({"DRAFT", "SENT"})
#: Statuses an admin may add to "open" (PRODUCT.md allows ACCEPTED); others would double-count
#: work already invoiced (INVOICED) or lost (DECLINED).
ALLOWED_OPEN_QUOTE_STATUSES = frozenset({"DRAFT", "SENT", "ACCEPTED"})
#: Xero's largest page for Invoices; most contacts fit in one call.
INVOICE_PAGE_SIZE = 1000
#: ContactIDs per Invoices call: 50 GUIDs keep the URL near 2 KB, well inside what proxies accept.
CONTACTS_PER_INVOICE_CALL = 50


class InvoiceLike(Protocol):
    invoice_id: str
    type: str
    invoice_number: str | None
    reference: str | None
    contact_id: str | None
    contact_name: str | None
    status: str
    date: date | None
    due_date: date | None
    currency_code: str | None
    currency_rate: Decimal | None
    total: Decimal | None
    amount_due: Decimal | None
    updated_at: datetime | None


class QuoteLike(Protocol):
    quote_id: str
    quote_number: str | None
    reference: str | None
    contact_id: str | None
    contact_name: str | None
    status: str
    date: date | None
    expiry_date: date | None
    currency_code: str | None
    currency_rate: Decimal | None
    total: Decimal | None
    updated_at: datetime | None


class CreditNoteLike(Protocol):
    credit_note_id: str
    type: str
    credit_note_number: str | None
    reference: str | None
    contact_id: str | None
    contact_name: str | None
    status: str
    date: date | None
    currency_code: str | None
    currency_rate: Decimal | None
    total: Decimal | None
    remaining_credit: Decimal | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Figure:
    """One line of the summary: how many documents and their total in base currency."""

    count: int = 0
    total: Decimal = ZERO
    expired_count: int = 0  # quotes only: SENT and past their expiry date


@dataclass(frozen=True)
class DocumentLine:
    """A document behind a figure, in its own currency, for "View details"."""

    kind: str  # "quote", "invoice", "bill", "sales_credit" or "purchase_credit"
    document_id: str
    number: str | None
    reference: str | None
    contact_id: str | None
    contact_name: str | None
    status: str
    date: date | None
    due_date: date | None  # the expiry date for a quote
    currency_code: str | None
    currency_rate: Decimal | None
    total: Decimal
    amount_due: Decimal | None  # None for quotes; the remaining credit for a credit note
    base_amount: Decimal  # what this document adds to its figure, in base currency, rounded
    overdue: bool = False
    expired: bool = False

    @property
    def part_paid(self) -> bool:
        """An invoice or bill with some but not all of its total paid (or credited)."""
        if self.kind not in ("invoice", "bill") or self.amount_due is None:
            return False
        return ZERO < self.amount_due < self.total


@dataclass(frozen=True)
class Summary:
    open_quotes: Figure
    overdue_invoices: Figure
    outstanding_invoices: Figure
    overdue_bills: Figure
    outstanding_bills: Figure
    as_of: datetime
    base_currency: str
    #: Foreign-currency documents without a usable rate, summed at 1:1 so the panel can warn.
    unconverted_count: int = 0
    #: credit available: AUTHORISED credit notes' remaining credit (to / from the contact)
    sales_credit: Figure = Figure()
    purchase_credit: Figure = Figure()


@dataclass(frozen=True)
class SummaryDetails:
    """The summary plus the lists behind it; overdue documents are marked within outstanding."""

    summary: Summary
    quotes: tuple[DocumentLine, ...] = field(default_factory=tuple)
    invoices: tuple[DocumentLine, ...] = field(default_factory=tuple)
    bills: tuple[DocumentLine, ...] = field(default_factory=tuple)
    #: DRAFT invoices and bills: listed so a new one is seen, counted in no figure
    draft_invoices: tuple[DocumentLine, ...] = field(default_factory=tuple)
    draft_bills: tuple[DocumentLine, ...] = field(default_factory=tuple)
    #: credit notes with credit left, newest first
    sales_credit_notes: tuple[DocumentLine, ...] = field(default_factory=tuple)
    purchase_credit_notes: tuple[DocumentLine, ...] = field(default_factory=tuple)


def payment_state(invoice: InvoiceLike) -> str | None:
    """For an AUTHORISED or PAID invoice or bill: "paid", "part-paid" or "unpaid"; else None."""
    if invoice.status == "PAID":
        return "paid"
    if invoice.status != AUTHORISED or invoice.amount_due is None:
        return None
    if invoice.amount_due <= 0:
        return "paid"
    return (
        "part-paid"
        if invoice.total is not None and invoice.amount_due < invoice.total
        else "unpaid"
    )


def open_quote_statuses(include_accepted: bool = False) -> frozenset[str]:
    """The statuses that make a quote open, from the admin setting."""
    return DEFAULT_OPEN_QUOTE_STATUSES | ({"ACCEPTED"} if include_accepted else set())


def summarise(
    invoices: Iterable[InvoiceLike],
    quotes: Iterable[QuoteLike],
    *,
    today: date,
    as_of: datetime,
    base_currency: str,
    open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES,
    contact_ids: Collection[str] | None = None,
    credit_notes: Iterable[CreditNoteLike] = (),
) -> SummaryDetails:
    """The figures and lists for the given documents.

    `today` is the organisation's date (see `widget.timezones.today_in`); `contact_ids`, when given,
    keeps only those contacts' documents (a company panel's fetch may return others, e.g. after a
    merge). Each document counts once even if it was fetched twice.
    """
    statuses = _checked_statuses(open_statuses)
    wanted = _unique_ids(contact_ids) if contact_ids is not None else None
    base = base_currency.upper()

    quote_lines: list[DocumentLine] = []
    for quote in unique_documents(quotes, "quote_id"):
        if quote.status in statuses and _wanted(quote.contact_id, wanted):
            quote_lines.append(_quote_line(quote, today))
    invoice_lines: list[DocumentLine] = []
    bill_lines: list[DocumentLine] = []
    draft_invoices: list[DocumentLine] = []
    draft_bills: list[DocumentLine] = []
    for invoice in unique_documents(invoices, "invoice_id"):
        if not _wanted(invoice.contact_id, wanted):
            continue
        if _is_outstanding(invoice):
            line = _invoice_line(invoice, today)
            (bill_lines if invoice.type == BILL else invoice_lines).append(line)
        elif _is_draft(invoice):
            line = _draft_line(invoice)
            (draft_bills if invoice.type == BILL else draft_invoices).append(line)

    sales_credits: list[DocumentLine] = []
    purchase_credits: list[DocumentLine] = []
    for note in unique_documents(credit_notes, "credit_note_id"):
        if _wanted(note.contact_id, wanted) and _has_credit(note):
            line = _credit_line(note)
            (purchase_credits if note.type == PURCHASE_CREDIT else sales_credits).append(line)

    quote_lines.sort(key=_quote_order)
    sales_credits.sort(key=_newest_first)
    purchase_credits.sort(key=_newest_first)
    invoice_lines.sort(key=_due_order)
    bill_lines.sort(key=_due_order)
    draft_invoices.sort(key=_newest_first)
    draft_bills.sort(key=_newest_first)
    every_line = (*quote_lines, *invoice_lines, *bill_lines, *sales_credits, *purchase_credits)
    summary = Summary(
        open_quotes=_figure(quote_lines, expired=True),
        overdue_invoices=_figure([line for line in invoice_lines if line.overdue]),
        outstanding_invoices=_figure(invoice_lines),
        overdue_bills=_figure([line for line in bill_lines if line.overdue]),
        outstanding_bills=_figure(bill_lines),
        as_of=as_of,
        base_currency=base,
        unconverted_count=sum(1 for line in every_line if _unconverted(line, base)),
        sales_credit=_figure(sales_credits),
        purchase_credit=_figure(purchase_credits),
    )
    return SummaryDetails(
        summary,
        tuple(quote_lines),
        tuple(invoice_lines),
        tuple(bill_lines),
        tuple(draft_invoices),
        tuple(draft_bills),
        tuple(sales_credits),
        tuple(purchase_credits),
    )


def unique_documents(documents: Iterable, id_attribute: str) -> list:
    """Each document once, by id, keeping the most recently updated copy (first seen on a tie).

    Company panels fetch for several contacts, and pages can shift while being read, so the same
    invoice may arrive twice; counting it twice would overstate what a customer owes.
    """
    chosen: dict[str, object] = {}
    for document in documents:
        key = getattr(document, id_attribute)
        kept = chosen.get(key)
        if kept is None or _newer(document, kept):
            chosen[key] = document
    return list(chosen.values())


# --- the fetches a summary needs --------------------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    """One Xero list call: endpoint and query parameters (ordered, hashable: usable as a cache key).

    `follow_pages`: fetch page 2, 3… while Xero says more pages exist.
    """

    endpoint: str
    params: tuple[tuple[str, str], ...]
    follow_pages: bool = True

    @property
    def key(self) -> str:
        return self.endpoint + "?" + "&".join(f"{name}={value}" for name, value in self.params)


def plan_summary_fetches(
    contact_ids: Iterable[str], open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES
) -> list[Fetch]:
    """The Xero calls a summary needs: one Invoices call, and one Quotes call per contact.

    Invoices: every invoice figure needs AUTHORISED (DRAFT/SUBMITTED are not yet owed, PAID/VOIDED/
    DELETED no longer are); DRAFT is fetched too, in the same call, only so that "View details"
    lists the drafts a rep has just raised (`summarise` keeps them out of the figures). Hence
    `Statuses=AUTHORISED,DRAFT`; sales and bills come in the same call (no Type filter) because
    both are shown. `ContactIDs` takes all contacts
    at once, `summaryOnly=true` drops line items and payments (bytes cost money), and pageSize=1000
    makes one page enough for nearly every contact. AmountDue > 0 and the due-date test are applied
    here rather than with `where`, which is not an optimised filter for AmountDue, and an
    AUTHORISED invoice with nothing due becomes PAID anyway.

    Quotes: `ContactID` and `Status` take one value each. One call per contact without a Status
    filter (then filtering locally) costs fewer calls than one per status; with a single open
    status the filter is sent. Quotes have no summaryOnly or pageSize, so this is the best Xero
    offers. A single contact's summary is therefore exactly two calls. A company with more than
    `CONTACTS_PER_INVOICE_CALL` linked contacts gets one Invoices call per chunk.
    """
    ids = sorted(_unique_ids(contact_ids))
    if not ids:
        return []
    fetches = [
        Fetch(
            "Invoices",
            (
                ("ContactIDs", ",".join(chunk)),
                ("Statuses", ",".join(INVOICE_STATUSES)),
                ("summaryOnly", "true"),
                ("pageSize", str(INVOICE_PAGE_SIZE)),
                ("page", "1"),
            ),
        )
        for chunk in _chunks(ids, CONTACTS_PER_INVOICE_CALL)
    ]
    statuses = sorted(_checked_statuses(open_statuses))
    for contact_id in ids:
        params: tuple[tuple[str, str], ...] = (("ContactID", contact_id),)
        if len(statuses) == 1:
            params += (("Status", statuses[0]),)
        fetches.append(Fetch("Quotes", params + (("page", "1"),)))
    return fetches


# --- helpers ----------------------------------------------------------------------------------


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _checked_statuses(open_statuses: Collection[str]) -> frozenset[str]:
    statuses = frozenset(status.upper() for status in open_statuses)
    unknown = statuses - ALLOWED_OPEN_QUOTE_STATUSES
    if unknown:
        raise ValueError(f"quote statuses cannot count as open: {sorted(unknown)}")
    return statuses


def _unique_ids(ids: Iterable[str | None]) -> list[str]:
    """Each contact id once, in first-seen order; blanks dropped (a company's contacts overlap)."""
    return list(dict.fromkeys(i.strip().lower() for i in ids if i and i.strip()))


def _wanted(contact_id: str | None, wanted: list[str] | None) -> bool:
    return wanted is None or (contact_id or "").lower() in wanted


def _newer(candidate, kept) -> bool:
    new, old = candidate.updated_at, kept.updated_at
    return new is not None and (old is None or new > old)


def _is_outstanding(invoice: InvoiceLike) -> bool:
    return (
        invoice.type in (SALES, BILL)
        and invoice.status == AUTHORISED
        and invoice.amount_due is not None
        and invoice.amount_due > 0
    )


def _has_credit(note: CreditNoteLike) -> bool:
    return (
        note.type in (SALES_CREDIT, PURCHASE_CREDIT)
        and note.status == AUTHORISED
        and note.remaining_credit is not None
        and note.remaining_credit > 0
    )


def _credit_line(note: CreditNoteLike) -> DocumentLine:
    """A credit note with credit left: its remaining credit counts, in base currency."""
    remaining = note.remaining_credit or ZERO
    return DocumentLine(
        kind="purchase_credit" if note.type == PURCHASE_CREDIT else "sales_credit",
        document_id=note.credit_note_id,
        number=note.credit_note_number,
        reference=note.reference,
        contact_id=note.contact_id,
        contact_name=note.contact_name,
        status=note.status,
        date=_as_date(note.date),
        due_date=None,
        currency_code=note.currency_code,
        currency_rate=note.currency_rate,
        total=note.total or ZERO,
        amount_due=remaining,
        base_amount=quantize_money(to_base(remaining, note.currency_rate)),
    )


def _is_draft(invoice: InvoiceLike) -> bool:
    return invoice.type in (SALES, BILL) and invoice.status == DRAFT


def _as_date(value: date | datetime | None) -> date | None:
    """Xero's date-only values are midnight UTC: take the calendar part, never shift zones."""
    return value.date() if isinstance(value, datetime) else value


def _quote_line(quote: QuoteLike, today: date) -> DocumentLine:
    expiry = _as_date(quote.expiry_date)
    total = quote.total or ZERO
    return DocumentLine(
        kind="quote",
        document_id=quote.quote_id,
        number=quote.quote_number,
        reference=quote.reference,
        contact_id=quote.contact_id,
        contact_name=quote.contact_name,
        status=quote.status,
        date=_as_date(quote.date),
        due_date=expiry,
        currency_code=quote.currency_code,
        currency_rate=quote.currency_rate,
        total=total,
        amount_due=None,
        base_amount=quantize_money(to_base(total, quote.currency_rate)),
        expired=quote.status == "SENT" and expiry is not None and expiry < today,
    )


def _invoice_line(invoice: InvoiceLike, today: date) -> DocumentLine:
    due = _as_date(invoice.due_date)
    amount_due = invoice.amount_due or ZERO
    return DocumentLine(
        kind="bill" if invoice.type == BILL else "invoice",
        document_id=invoice.invoice_id,
        number=invoice.invoice_number,
        reference=invoice.reference,
        contact_id=invoice.contact_id,
        contact_name=invoice.contact_name,
        status=invoice.status,
        date=_as_date(invoice.date),
        due_date=due,
        currency_code=invoice.currency_code,
        currency_rate=invoice.currency_rate,
        total=invoice.total or ZERO,
        amount_due=amount_due,
        base_amount=quantize_money(to_base(amount_due, invoice.currency_rate)),
        overdue=due is not None and due < today,
    )


def _draft_line(invoice: InvoiceLike) -> DocumentLine:
    """A draft as listed: its total in its own currency; it adds nothing to any figure."""
    return DocumentLine(
        kind="bill" if invoice.type == BILL else "invoice",
        document_id=invoice.invoice_id,
        number=invoice.invoice_number,
        reference=invoice.reference,
        contact_id=invoice.contact_id,
        contact_name=invoice.contact_name,
        status=invoice.status,
        date=_as_date(invoice.date),
        due_date=_as_date(invoice.due_date),
        currency_code=invoice.currency_code,
        currency_rate=invoice.currency_rate,
        total=invoice.total or ZERO,
        amount_due=invoice.amount_due,
        base_amount=ZERO,
    )


def _figure(lines: list[DocumentLine], expired: bool = False) -> Figure:
    """Count and base-currency total, summed unrounded and rounded once."""
    amounts = (
        (line.total if line.amount_due is None else line.amount_due, line.currency_rate)
        for line in lines
    )
    return Figure(
        count=len(lines),
        total=sum_base(amounts),
        expired_count=sum(1 for line in lines if line.expired) if expired else 0,
    )


def _unconverted(line: DocumentLine, base: str) -> bool:
    foreign = line.currency_code is not None and line.currency_code.upper() != base
    return foreign and not has_usable_rate(line.currency_rate)


def _quote_order(line: DocumentLine) -> tuple:
    """Expired first (they need chasing), then by expiry date, then number."""
    return (not line.expired, line.due_date or date.max, line.number or "", line.document_id)


def _due_order(line: DocumentLine) -> tuple:
    """Oldest due first: the ones most overdue lead the list."""
    return (line.due_date or date.max, line.number or "", line.document_id)


def _newest_first(line: DocumentLine) -> tuple:
    """Drafts by date, newest first: the one the rep has just raised leads the list."""
    return (-(line.date or date.min).toordinal(), line.number or "", line.document_id)
