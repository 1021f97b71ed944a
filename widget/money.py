"""Decimal money helpers: converting Xero document amounts into the organisation's base currency.

Money is never a float here (a float cannot hold 0.10 exactly, and sums of them drift), and
rounding happens once, at the end of a sum, so a hundred foreign-currency invoices do not each lose
half a cent.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal(0)

Number = Decimal | int | str


def as_decimal(value: Number | None) -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats are refused so none enters a sum.

    None reads as zero: Xero omits amounts that are zero on some documents (e.g. AmountCredited).
    """
    if value is None:
        return ZERO
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def effective_rate(currency_rate: Number | None) -> Decimal:
    """The rate to divide by; a missing, zero or negative rate counts as 1.

    Rule: Xero gives every base-currency document a rate of 1, and omits it (or sends 0) only where
    no conversion applies, so "no usable rate" means "already in base currency". A negative rate is
    meaningless and is treated the same way rather than flipping the sign of a debt. Callers that
    know the document is foreign can detect this case with `has_usable_rate` and say so.
    """
    if currency_rate is None:
        return ONE
    rate = as_decimal(currency_rate)
    return rate if rate > 0 else ONE


def has_usable_rate(currency_rate: Number | None) -> bool:
    """Whether the rate can really convert an amount (false for None, 0 and negatives)."""
    if currency_rate is None:
        return False
    return as_decimal(currency_rate) > 0


def to_base(amount: Number | None, currency_rate: Number | None) -> Decimal:
    """The amount in base currency, unrounded: Xero's rate is foreign units per one base unit.

    Unrounded on purpose: rounding each term before summing loses up to half a cent per document.
    """
    return as_decimal(amount) / effective_rate(currency_rate)


def quantize_money(amount: Number) -> Decimal:
    """Round to cents, half up (the way people and Xero's own reports round), once, at the end."""
    return as_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def sum_base(items: Iterable[tuple[Number | None, Number | None]]) -> Decimal:
    """Sum of (amount, currency_rate) pairs in base currency, rounded to cents once at the end."""
    total = ZERO
    for amount, rate in items:
        total += to_base(amount, rate)
    return quantize_money(total)
