import random
from decimal import Decimal

import pytest

from widget.money import (
    as_decimal,
    effective_rate,
    has_usable_rate,
    quantize_money,
    sum_base,
    to_base,
)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (Decimal("100.00"), Decimal("1"), Decimal("100.00")),
        (
            Decimal("100.00"),
            Decimal("0.5"),
            Decimal("200.00"),
        ),  # 0.5 USD per NZD: 100 USD = 200 NZD
        (Decimal("150.00"), Decimal("1.5"), Decimal("100.00")),
        ("10", None, Decimal("10")),
        (5, Decimal("0"), Decimal("5")),
        (Decimal("7"), Decimal("-2"), Decimal("7")),
        (None, Decimal("2"), Decimal("0")),
    ],
)
def test_to_base_divides_by_the_rate_or_treats_unusable_rates_as_one(amount, rate, expected):
    assert to_base(amount, rate) == expected


def test_to_base_stays_unrounded_and_the_sum_rounds_once():
    third = to_base(Decimal("1.00"), Decimal("3"))
    assert third != quantize_money(third)  # 0.3333…
    # Rounding each third first would give 0.99; summing exactly and rounding once gives 1.00.
    assert sum_base([(Decimal("1.00"), Decimal("3"))] * 3) == Decimal("1.00")
    assert sum(quantize_money(third) for _ in range(3)) == Decimal("0.99")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("1", "1.00")],
)
def test_quantize_rounds_half_up_to_cents(value, expected):
    assert quantize_money(Decimal(value)) == Decimal(expected)
    assert str(quantize_money(Decimal(value))) == expected


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        as_decimal(0.1)
    with pytest.raises(TypeError):
        to_base(Decimal("1"), 1.5)
    with pytest.raises(TypeError):
        sum_base([(0.1, None)])


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", Decimal("NaN")])
def test_non_numbers_and_non_finite_amounts_are_rejected(bad):
    with pytest.raises(ValueError):
        as_decimal(bad)


def test_rate_helpers_agree():
    assert effective_rate(None) == 1 and not has_usable_rate(None)
    assert effective_rate(Decimal("0")) == 1 and not has_usable_rate(Decimal("0"))
    assert effective_rate(Decimal("0.61")) == Decimal("0.61") and has_usable_rate("0.61")


def test_sum_of_empty_is_zero_cents():
    assert sum_base([]) == Decimal("0.00")
    assert str(sum_base([])) == "0.00"


def test_property_sum_base_is_order_independent_and_within_half_a_cent_of_exact():
    """Random documents: the rounded sum never depends on order and is the exact sum, rounded."""
    rng = random.Random(20260101)
    for _ in range(300):
        items = [
            (
                Decimal(rng.randint(-100_000, 10_000_000)) / 100,
                rng.choice([None, Decimal(1), Decimal(rng.randint(1, 400_000)) / 100_000]),
            )
            for _ in range(rng.randint(0, 12))
        ]
        total = sum_base(items)
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert sum_base(shuffled) == total
        exact = sum((to_base(a, r) for a, r in items), Decimal(0))
        assert abs(total - exact) <= Decimal("0.005")
        assert total == total.quantize(Decimal("0.01"))
