"""What the templates show: figures, lists and errors already formatted for the reader.

Money: the figures in the organisation's base currency (its symbol), each listed document in its
own currency (ISO code when it is not the base). Dates: the reader's locale. Nothing here calls
Xero; `summary.summarise` decides what counts, this module only says it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal

from widget.cache import Fetched
from widget.connection.errors import ConnectionProblem
from widget.contact import deeplinks
from widget.contact.glance import PayingView, paying_view
from widget.contact.service import Documents, OrgProfile
from widget.formatting import format_age, format_as_of, format_count, format_day, format_money
from widget.money import as_decimal, has_usable_rate, to_base
from widget.paying import paying_habits
from widget.summary import DocumentLine, Figure, SummaryDetails, summarise
from widget.timezones import today_in, zone_for
from widget.xero import XeroNeedsReauthorisation, XeroRateLimited
from widget.xero.governor import XeroBusy

FIGURES = (
    ("open_quotes", "Open quotes"),
    ("overdue_invoices", "Overdue invoices"),
    ("outstanding_invoices", "Outstanding invoices"),
    ("overdue_bills", "Overdue bills"),
    ("outstanding_bills", "Outstanding bills"),
)
#: credit available (from the mirror, which reads credit notes): sales and purchase apart
CREDITS = (
    ("sales_credit", "Credit available (sales)"),
    ("purchase_credit", "Credit available (bills)"),
)
#: said of figures, searches, suggestions and links alike: it promises nothing about any of them
UNREACHABLE = "Xero could not be reached just now. Try again in a moment."


@dataclass(frozen=True)
class FigureView:
    key: str
    label: str
    count: int
    count_text: str
    total: Decimal
    total_text: str
    expired_count: int
    expired_text: str
    #: foreign-currency documents in it, converted to the base currency (and their currencies)
    converted: int = 0
    converted_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentView:
    kind: str
    number: str
    reference: str
    date_text: str
    due_text: str
    status: str
    total_text: str
    amount_due_text: str
    currency_code: str
    foreign: bool
    overdue: bool
    expired: bool
    url: str | None
    #: paid status of an invoice or bill: "paid", "part-paid", "unpaid" (None otherwise)
    payment: str | None = None
    #: a foreign-currency document: what it counts in the base currency, and the rate used
    base_text: str = ""
    rate_text: str = ""


@dataclass(frozen=True)
class ErrorView:
    message: str
    #: seconds Xero asked us to wait (a 429), after which the panel tries again by itself
    retry_after: int | None = None
    can_retry: bool = True


@dataclass(frozen=True)
class SummaryView:
    contact_id: str
    contact_name: str
    base_currency: str
    figures: tuple[FigureView, ...]
    as_of_iso: str
    as_of_text: str
    age_text: str
    xero_url: str | None
    unconverted_count: int
    details: SummaryDetails
    short_code: str | None
    locale: Locale
    #: set when Xero failed and these are the last known figures
    error: ErrorView | None = None
    #: "Credit available" (only when read from the mirror, which holds credit notes)
    credits: tuple[FigureView, ...] = ()
    #: read from the organisation mirror (0 Xero calls) rather than fetched per contact
    from_mirror: bool = False
    #: something the rep should be told once (a Refresh pressed too soon, a merged contact)
    notice: str | None = None
    #: how this customer pays (from the mirror only; None without any history)
    paying: PayingView | None = None

    @property
    def stale(self) -> bool:
        return self.error is not None

    @property
    def converted_from(self) -> tuple[str, ...]:
        """The currencies converted into any figure shown (for the note under the figures)."""
        found = {code for f in (*self.figures, *self.credits) for code in f.converted_from}
        return tuple(sorted(found))

    def documents(self, kind: str) -> list[DocumentView]:
        lines = {
            "quote": self.details.quotes,
            "invoice": self.details.invoices,
            "bill": self.details.bills,
            "draft_invoice": self.details.draft_invoices,
            "draft_bill": self.details.draft_bills,
            "sales_credit": self.details.sales_credit_notes,
            "purchase_credit": self.details.purchase_credit_notes,
        }
        base = self.base_currency
        return [document_view(line, self.locale, base, self.short_code) for line in lines[kind]]


def summary_view(
    contact_id: str,
    contact_name: str,
    org: OrgProfile,
    fetched: Fetched,
    *,
    locale: Locale,
    now: datetime,
    open_statuses,
    age_seconds: float,
    contact_ids: Collection[str] | None = None,
    from_mirror: bool = False,
    paid_history: Collection | None = None,
) -> SummaryView:
    """The summary of `contact_id`'s documents; `contact_ids` widens it to several contacts (a
    company's, a deal's), each document still counted once. `paid_history` (the mirror's paid
    sales invoices of the last year) adds how the customer pays."""
    documents: Documents = fetched.value
    as_of = fetched.fetched_at_utc
    today = today_in(org.timezone, now)
    wanted = [contact_id] if contact_ids is None else contact_ids
    details = summarise(
        documents.invoices,
        documents.quotes,
        today=today,
        as_of=as_of,
        base_currency=org.base_currency,
        open_statuses=open_statuses,
        contact_ids=wanted,
        credit_notes=documents.credit_notes,
    )
    paying = None
    if paid_history is not None:
        ids = {i.lower() for i in wanted if i}
        invoices = [
            i for i in (*documents.invoices, *paid_history) if (i.contact_id or "").lower() in ids
        ]
        habits = paying_habits(invoices, today=today)
        paying = paying_view(habits, org.base_currency, locale) if habits.has_history else None
    summary = details.summary
    lines = _figure_lines(details)
    figures = tuple(
        _figure_view(key, label, getattr(summary, key), summary.base_currency, locale, lines[key])
        for key, label in FIGURES
    )
    return SummaryView(
        contact_id=contact_id,
        contact_name=documents.contact_name() or contact_name,
        base_currency=summary.base_currency,
        figures=figures,
        as_of_iso=as_of.isoformat(),
        as_of_text=format_as_of(as_of, locale, zone_for(org.timezone), now),
        age_text=format_age(age_seconds, locale),
        xero_url=deeplinks.contact_url(org.short_code, contact_id),
        unconverted_count=summary.unconverted_count,
        details=details,
        short_code=org.short_code,
        locale=locale,
        error=error_view(fetched.error) if fetched.stale else None,
        credits=tuple(
            _figure_view(
                key, label, getattr(summary, key), summary.base_currency, locale, lines[key]
            )
            for key, label in CREDITS
        )
        if from_mirror
        else (),
        from_mirror=from_mirror,
        paying=paying,
    )


def _figure_lines(details: SummaryDetails) -> dict[str, tuple[DocumentLine, ...]]:
    """The documents behind each figure."""
    return {
        "open_quotes": details.quotes,
        "overdue_invoices": tuple(line for line in details.invoices if line.overdue),
        "outstanding_invoices": details.invoices,
        "overdue_bills": tuple(line for line in details.bills if line.overdue),
        "outstanding_bills": details.bills,
        "sales_credit": details.sales_credit_notes,
        "purchase_credit": details.purchase_credit_notes,
    }


def _converted(line: DocumentLine, base: str) -> bool:
    """Foreign and converted at its rate (one without a usable rate is warned about apart)."""
    code = (line.currency_code or base).upper()
    return code != base.upper() and has_usable_rate(line.currency_rate)


def _figure_view(
    key: str,
    label: str,
    figure: Figure,
    base: str,
    locale: Locale,
    lines: tuple[DocumentLine, ...] = (),
) -> FigureView:
    converted = [line for line in lines if _converted(line, base)]
    return FigureView(
        key=key,
        label=label,
        count=figure.count,
        count_text=format_count(figure.count, locale),
        total=figure.total,
        total_text=format_money(figure.total, base, locale, base),
        expired_count=figure.expired_count,
        expired_text=format_count(figure.expired_count, locale),
        converted=len(converted),
        converted_from=tuple(sorted({(line.currency_code or "").upper() for line in converted})),
    )


def document_view(
    line: DocumentLine, locale: Locale, base: str, short_code: str | None
) -> DocumentView:
    currency = (line.currency_code or base).upper()
    amount_due = ""
    if line.amount_due is not None:
        amount_due = format_money(line.amount_due, currency, locale, base)
    return DocumentView(
        kind=line.kind,
        number=line.number or ("Draft" if line.status == "DRAFT" else "(no number)"),
        reference=line.reference or "",
        date_text=format_day(line.date, locale),
        due_text=format_day(line.due_date, locale),
        status=line.status,
        total_text=format_money(line.total, currency, locale, base),
        amount_due_text=amount_due,
        currency_code=currency,
        foreign=currency != base.upper(),
        overdue=line.overdue,
        expired=line.expired,
        url=deeplinks.document_url(line.kind, short_code, line.document_id),
        payment=_payment(line),
        **_conversion(line, currency, base, locale),
    )


def _conversion(line: DocumentLine, currency: str, base: str, locale: Locale) -> dict:
    """For a foreign-currency document: what it counts in the base currency (its amount due,
    a quote's total, a credit note's credit left) and the rate, as Xero gives it: foreign
    units per one unit of the base currency."""
    if currency == base.upper() or not has_usable_rate(line.currency_rate):
        return {}
    amount = line.total if line.amount_due is None else line.amount_due
    rate = format_decimal(as_decimal(line.currency_rate), format="0.######", locale=locale)
    return {
        "base_text": format_money(to_base(amount, line.currency_rate), base, locale, base),
        "rate_text": f"1 {base.upper()} = {rate} {currency}",
    }


def _payment(line: DocumentLine) -> str | None:
    if line.kind not in ("invoice", "bill") or line.status != "AUTHORISED":
        return None
    return "part-paid" if line.part_paid else "unpaid"


def error_view(error: BaseException | None, is_admin: bool = False) -> ErrorView:
    """What to tell the reader about a failed fetch, without jargon or secrets."""
    if isinstance(error, ConnectionProblem):
        return ErrorView(error.message_for(is_admin), can_retry=False)
    if isinstance(error, XeroRateLimited):
        wait = max(1, int(error.retry_after or 1))
        seconds = "1 second" if wait == 1 else f"{wait} seconds"
        if isinstance(error, XeroBusy):  # nothing was sent: our own share of Xero is in use
            return ErrorView(
                f"Xero is busy with other requests for this organisation; the panel tries again "
                f"in {seconds}.",
                wait,
            )
        return ErrorView(f"Xero asked us to slow down; the panel tries again in {seconds}.", wait)
    if isinstance(error, XeroNeedsReauthorisation):
        if is_admin:  # the admin is the one to reconnect: never tell them to ask an admin
            return ErrorView(
                "Xero no longer accepts this connection. Reconnect Xero from the admin page.",
                can_retry=False,
            )
        return ErrorView(
            "Xero no longer accepts this connection. Ask an admin of your CRM account to "
            "reconnect Xero.",
            can_retry=False,
        )
    return ErrorView(UNREACHABLE)
