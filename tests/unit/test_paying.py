"""widget.paying against an independent calculation: ageing by day ordinals and integer
arithmetic (no band table), lateness from Julian day numbers over hand-written and generated
invoices, plus the edges (due today, day 30/31/60/61/90/91, a year ago to the day, 29 February,
foreign currencies, paid early, duplicates, bills and other statuses left out)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from widget.paying import band_of, overdue_by_age, paying_habits, payment_record, year_before
from widget.xero.models import Invoice

TODAY = date(2026, 11, 30)


def invoice(
    n,
    *,
    type="ACCREC",
    status="AUTHORISED",
    due="100.00",
    due_date=TODAY - timedelta(days=10),
    paid_on=None,
    rate="1",
    updated_at=None,
) -> Invoice:
    return Invoice(
        invoice_id=f"inv-{n}", type=type, invoice_number=f"INV-{n}", reference=None,
        contact_id="c", contact_name="C", status=status, date=None, due_date=due_date,
        currency_code="NZD" if rate == "1" else "USD", currency_rate=Decimal(rate),
        line_amount_types=None, line_items=(), sub_total=None, total_tax=None,
        total=Decimal("500.00"), amount_due=Decimal(due), amount_paid=None, amount_credited=None,
        updated_at=updated_at, fully_paid_on_date=paid_on,
    )  # fmt: skip


# --- the independent calculation -------------------------------------------------------------


def expected_band(days: int) -> str:
    """Bands by integer division: (days - 1) // 30 gives 0, 1, 2, then anything above is 3."""
    return ("1_30", "31_60", "61_90", "over_90")[min((days - 1) // 30, 3)]


def expected_ageing(invoices, today):
    out = {"1_30": [0, Decimal(0)], "31_60": [0, Decimal(0)], "61_90": [0, Decimal(0)],
           "over_90": [0, Decimal(0)]}  # fmt: skip
    for i in invoices:
        if i.type == "ACCREC" and i.status == "AUTHORISED" and i.amount_due > 0:
            days = today.toordinal() - i.due_date.toordinal()
            if days >= 1:
                out[expected_band(days)][0] += 1
                out[expected_band(days)][1] += i.amount_due / i.currency_rate
    return {k: (c, t.quantize(Decimal("0.01"), ROUND_HALF_UP)) for k, (c, t) in out.items()}


def julian(day: date) -> int:
    return day.toordinal() + 1721425  # the proleptic Gregorian ordinal as a Julian day number


def expected_record(invoices, today):
    start = date(today.year - 1, today.month, min(today.day, 28 if today.month == 2 else 31))
    late = [
        max(0, julian(i.fully_paid_on_date) - julian(i.due_date))
        for i in invoices
        if i.type == "ACCREC" and i.status == "PAID" and i.fully_paid_on_date and i.due_date
        and start < i.fully_paid_on_date <= today
    ]  # fmt: skip
    if not late:
        return (0, 0, Decimal(0), 0)
    average = Decimal(sum(late) * 10 // len(late)) / 10  # floor to tenths, then round half up:
    remainder = Decimal(sum(late) * 10 % len(late)) / len(late)
    average += Decimal("0.1") if remainder >= Decimal("0.5") else 0
    return (len(late), late.count(0), average, max(late))


def shown_ageing(bands):
    return {b.key: (b.count, b.total) for b in bands}


# --- tests ---------------------------------------------------------------------------------


def test_band_edges():
    for days, key in ((1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"), (61, "61_90"),
                      (90, "61_90"), (91, "over_90"), (4000, "over_90")):  # fmt: skip
        assert band_of(days) == key == expected_band(days)


def test_ageing_by_hand():
    invoices = [
        invoice(1, due_date=TODAY),  # due today: not overdue
        invoice(2, due_date=TODAY - timedelta(days=1), due="10.00"),
        invoice(3, due_date=TODAY - timedelta(days=30), due="20.00"),
        invoice(4, due_date=TODAY - timedelta(days=31), due="30.00"),
        invoice(5, due_date=TODAY - timedelta(days=91), due="60.00", rate="0.6"),  # 100 NZD
        invoice(6, due_date=TODAY - timedelta(days=200), due="0"),  # nothing due
        invoice(7, type="ACCPAY", due_date=TODAY - timedelta(days=40)),  # a bill
        invoice(8, status="DRAFT", due_date=TODAY - timedelta(days=40)),
        invoice(9, status="PAID", due="0", due_date=TODAY - timedelta(days=40)),
    ]
    bands = shown_ageing(overdue_by_age(invoices, today=TODAY))
    assert bands == {
        "1_30": (2, Decimal("30.00")),
        "31_60": (1, Decimal("30.00")),
        "61_90": (0, Decimal("0.00")),
        "over_90": (1, Decimal("100.00")),
    }
    assert bands == expected_ageing(invoices, TODAY)


def test_ageing_rounds_once_per_band():
    # three thirds of a cent each way: per-invoice rounding would give 0.99 or 1.02
    invoices = [invoice(n, due="1.00", rate="3", due_date=TODAY - timedelta(days=5)) for n in "abc"]
    assert shown_ageing(overdue_by_age(invoices, today=TODAY))["1_30"] == (3, Decimal("1.00"))


def test_payment_record_by_hand():
    due = date(2026, 6, 1)
    invoices = [
        invoice(1, status="PAID", due="0", due_date=due, paid_on=date(2026, 5, 20)),  # early: 0
        invoice(2, status="PAID", due="0", due_date=due, paid_on=due),  # on the day: 0
        invoice(3, status="PAID", due="0", due_date=due, paid_on=date(2026, 6, 11)),  # 10
        invoice(4, status="PAID", due="0", due_date=due, paid_on=date(2026, 7, 16)),  # 45
        invoice(
            5, status="PAID", due="0", due_date=date(2025, 1, 1), paid_on=date(2025, 11, 30)
        ),  # a year ago to the day: outside  # fmt: skip
        invoice(
            6, status="PAID", due="0", due_date=date(2025, 1, 1), paid_on=date(2025, 12, 1)
        ),  # inside: 334 days late  # fmt: skip
        invoice(7, type="ACCPAY", status="PAID", due="0", due_date=due, paid_on=due),  # a bill
        invoice(8, status="PAID", due="0", due_date=due, paid_on=None),  # no paid date
        invoice(9, status="AUTHORISED", due_date=due, paid_on=None),
    ]
    record = payment_record(invoices, today=TODAY)
    assert (record.paid_count, record.on_time_count, record.worst_days_late) == (5, 2, 334)
    assert record.average_days_late == Decimal("77.8")  # (0+0+10+45+334)/5 = 77.8
    expected = expected_record(invoices, TODAY)
    assert (record.paid_count, record.on_time_count, record.average_days_late,
            record.worst_days_late) == expected  # fmt: skip


def test_no_history_and_duplicates():
    assert not paying_habits([], today=TODAY).has_history
    old = invoice(1, status="PAID", due="0", due_date=date(2024, 1, 1), paid_on=date(2024, 2, 1))
    assert not paying_habits([old, invoice(2, due_date=TODAY)], today=TODAY).has_history
    early = datetime(2026, 3, 1, tzinfo=UTC)
    later = datetime(2026, 3, 2, tzinfo=UTC)
    once = invoice(3, due="50.00", due_date=TODAY - timedelta(days=3), updated_at=early)
    paid_now = invoice(3, status="PAID", due="0", due_date=TODAY - timedelta(days=3),
                       paid_on=TODAY, updated_at=later)  # fmt: skip
    habits = paying_habits([once, paid_now, once], today=TODAY)  # the newest copy counts, once
    assert habits.overdue_count == 0 and habits.record.paid_count == 1
    assert habits.record.worst_days_late == 3 and habits.has_history


def test_a_year_before_29_february():
    assert year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert year_before(date(2026, 11, 30)) == date(2025, 11, 30)


DAYS = st.integers(min_value=-30, max_value=800)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["AUTHORISED", "PAID", "DRAFT", "VOIDED"]),
            st.sampled_from(["ACCREC", "ACCPAY"]),
            DAYS,
            DAYS,
            st.sampled_from(["0", "0.01", "12.34", "999.99"]),
            st.sampled_from(["1", "0.6", "1.7"]),
        ),
        max_size=25,
    ),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_against_the_independent_calculation(rows, today):
    invoices = [
        invoice(
            n,
            status=status,
            type=kind,
            due=due,
            rate=rate,
            due_date=today - timedelta(days=overdue),
            paid_on=today - timedelta(days=ago),
        )  # fmt: skip
        for n, (status, kind, overdue, ago, due, rate) in enumerate(rows)
    ]
    habits = paying_habits(invoices, today=today)
    assert shown_ageing(habits.bands) == expected_ageing(invoices, today)
    r = habits.record
    assert (r.paid_count, r.on_time_count, r.average_days_late, r.worst_days_late) == (
        expected_record(invoices, today)
    )


def test_a_random_ledger():
    rng = random.Random(11)
    invoices = [
        invoice(
            n,
            status=rng.choice(["AUTHORISED", "PAID"]),
            due=f"{rng.randint(1, 9999)}.50",
            due_date=TODAY - timedelta(days=rng.randint(-20, 500)),
            paid_on=TODAY - timedelta(days=rng.randint(0, 500)),
        )  # fmt: skip
        for n in range(500)
    ]
    habits = paying_habits(invoices, today=TODAY)
    assert shown_ageing(habits.bands) == expected_ageing(invoices, TODAY)
    assert habits.overdue_count > 0 and habits.record.paid_count > 0


def test_the_bar_and_its_words():
    from widget.contact.glance import paying_view

    invoices = [
        invoice(1, due="25.00", due_date=TODAY - timedelta(days=3)),
        invoice(2, due="75.00", due_date=TODAY - timedelta(days=100)),
        invoice(
            3,
            status="PAID",
            due="0",
            due_date=TODAY - timedelta(days=20),
            paid_on=TODAY - timedelta(days=19),
        ),  # fmt: skip
    ]
    view = paying_view(paying_habits(invoices, today=TODAY), "NZD", "en_NZ")
    segments = [(b.key, Decimal(b.x), Decimal(b.width)) for b in view.bands if b.count]
    assert segments == [("1_30", Decimal(0), Decimal(25)), ("over_90", Decimal(25), Decimal(75))]
    assert view.bar_text == (
        "Overdue by age, in NZD: 1–30 days: $25.00 (1 invoice); 31–60 days: none; "
        "61–90 days: none; Over 90 days: $75.00 (1 invoice)."
    )
    assert (view.paid_text, view.average_text, view.worst_text) == ("1 invoice", "1 day", "1 day")
