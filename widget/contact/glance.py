"""At a glance: how this customer pays (widget.paying), in the reader's words: the age bands
with their part of the bar (x and width in %, drawn as SVG by templates/contact/_paying.html),
the bar as a sentence for screen readers, and the last year's payment record."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal

from widget.formatting import format_count, format_money
from widget.paying import PayingHabits

AGE_LABELS = {
    "1_30": "1–30 days",
    "31_60": "31–60 days",
    "61_90": "61–90 days",
    "over_90": "Over 90 days",
}


@dataclass(frozen=True)
class AgeBandView:
    """One age band of what is overdue, and its part of the bar (x and width in %)."""

    key: str
    label: str
    count: int
    count_text: str
    total: Decimal
    total_text: str
    x: str
    width: str


@dataclass(frozen=True)
class PayingView:
    """At a glance: how this customer pays (widget.paying), in the reader's words."""

    bands: tuple[AgeBandView, ...]
    overdue_count: int
    overdue_total_text: str
    #: the bar as a sentence, for screen readers (the figures are shown beside it too)
    bar_text: str
    paid_count: int
    paid_text: str
    on_time_text: str
    average_text: str
    worst_text: str
    average_days: Decimal = Decimal(0)
    worst_days: int = 0


def paying_view(habits: PayingHabits, base: str, locale: Locale) -> PayingView:
    overdue = habits.overdue_total
    bands: list[AgeBandView] = []
    start = Decimal(0)
    for band in habits.bands:
        share = (band.total / overdue * 100) if overdue > 0 else Decimal(0)
        bands.append(
            AgeBandView(
                key=band.key,
                label=AGE_LABELS[band.key],
                count=band.count,
                count_text=format_count(band.count, locale),
                total=band.total,
                total_text=format_money(band.total, base, locale, base),
                x=_percent(start),
                width=_percent(share),
            )
        )
        start += share
    said = "; ".join(
        f"{b.label}: {b.total_text} ({_invoices(b.count, b.count_text)})" if b.count
        else f"{b.label}: none"
        for b in bands
    )  # fmt: skip
    record = habits.record
    average = format_decimal(record.average_days_late, "0.#", locale=locale)
    return PayingView(
        bands=tuple(bands),
        overdue_count=habits.overdue_count,
        overdue_total_text=format_money(overdue, base, locale, base),
        bar_text=f"Overdue by age, in {base}: {said}.",
        paid_count=record.paid_count,
        paid_text=_invoices(record.paid_count, format_count(record.paid_count, locale)),
        on_time_text=format_count(record.on_time_count, locale),
        average_text=_days(record.average_days_late, average),
        worst_text=_days(record.worst_days_late, format_count(record.worst_days_late, locale)),
        average_days=record.average_days_late,
        worst_days=record.worst_days_late,
    )


def _percent(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _invoices(count: int, text: str) -> str:
    return f"{text} invoice" if count == 1 else f"{text} invoices"


def _days(value, text: str) -> str:
    return f"{text} day" if value == 1 else f"{text} days"
