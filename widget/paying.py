"""How a customer pays, at a glance: what is overdue by age, and how late the last year's
invoices were paid. Pure, like widget.summary: it takes sales invoices and the organisation's
today, and says what the panel shows; no database, Xero or clock.

- Overdue by age: sales invoices (ACCREC) AUTHORISED with AmountDue > 0 and a DueDate before
  today, in four bands of days past due: 1-30, 31-60, 61-90, over 90. Amounts in the base
  currency (AmountDue / CurrencyRate, as the figures), summed unrounded and rounded once per band.
- Payment record: sales invoices PAID with a FullyPaidOnDate in the last 12 months (after the
  same day a year ago, up to today). Days late = FullyPaidOnDate - DueDate, counted as 0 when
  paid on or before the due date (an early payment must not hide a late one in the average).
  Average to one decimal (half up), worst the largest. An invoice with no due date or no paid
  date says nothing about lateness and is left out.
- No history: nothing overdue and nothing paid in the year; the panel then shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from widget.money import ZERO, quantize_money, to_base
from widget.summary import AUTHORISED, SALES, unique_documents

PAID = "PAID"
#: (key, first day, last day or None) of each age band, in days past the due date
BANDS = (("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class AgeBand:
    key: str
    first_day: int
    last_day: int | None
    count: int
    total: Decimal  # base currency, rounded to cents


@dataclass(frozen=True)
class PaymentRecord:
    """The last 12 months' paid sales invoices and how many days after their due date."""

    paid_count: int
    on_time_count: int
    average_days_late: Decimal  # one decimal
    worst_days_late: int


@dataclass(frozen=True)
class PayingHabits:
    bands: tuple[AgeBand, ...]
    record: PaymentRecord

    @property
    def overdue_count(self) -> int:
        return sum(band.count for band in self.bands)

    @property
    def overdue_total(self) -> Decimal:
        return sum((band.total for band in self.bands), ZERO)

    @property
    def has_history(self) -> bool:
        return self.overdue_count > 0 or self.record.paid_count > 0


def paying_habits(invoices: Iterable, *, today: date) -> PayingHabits:
    """Both halves over the same invoices (each counted once, its newest copy)."""
    unique = unique_documents(invoices, "invoice_id")
    return PayingHabits(overdue_by_age(unique, today=today), payment_record(unique, today=today))


def overdue_by_age(invoices: Iterable, *, today: date) -> tuple[AgeBand, ...]:
    counts = {key: 0 for key, _first, _last in BANDS}
    sums = {key: ZERO for key, _first, _last in BANDS}
    for invoice in invoices:
        days = _days_overdue(invoice, today)
        if days is None:
            continue
        key = band_of(days)
        counts[key] += 1
        sums[key] += to_base(invoice.amount_due, invoice.currency_rate)
    return tuple(
        AgeBand(key, first, last, counts[key], quantize_money(sums[key]))
        for key, first, last in BANDS
    )


def band_of(days_overdue: int) -> str:
    """The band of an invoice this many days (at least 1) past its due date."""
    for key, _first, last in BANDS:
        if last is None or days_overdue <= last:
            return key
    raise AssertionError("the last band is open-ended")


def payment_record(invoices: Iterable, *, today: date) -> PaymentRecord:
    since = year_before(today)
    late: list[int] = []
    for invoice in invoices:
        if invoice.type != SALES or invoice.status != PAID:
            continue
        paid_on, due = _day(invoice.fully_paid_on_date), _day(invoice.due_date)
        if paid_on is None or due is None or not since < paid_on <= today:
            continue
        late.append(max(0, (paid_on - due).days))
    if not late:
        return PaymentRecord(0, 0, ZERO, 0)
    average = (Decimal(sum(late)) / len(late)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return PaymentRecord(len(late), sum(1 for d in late if d == 0), average, max(late))


def year_before(today: date) -> date:
    """The same day a year earlier (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def _days_overdue(invoice, today: date) -> int | None:
    due = _day(invoice.due_date)
    if (
        invoice.type != SALES
        or invoice.status != AUTHORISED
        or invoice.amount_due is None
        or invoice.amount_due <= 0
        or due is None
        or due >= today
    ):
        return None
    return (today - due).days


def _day(value: date | datetime | None) -> date | None:
    """Xero's date-only values are midnight UTC: the calendar part, never shifted."""
    return value.date() if isinstance(value, datetime) else value
