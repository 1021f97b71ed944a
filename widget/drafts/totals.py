"""A draft's line and document totals, computed the way Xero computes them (Decimal, never floats).

The form shows these before anything is sent, so they must be what Xero then stores:
- LineAmount = Quantity × UnitAmount, rounded to cents, half away from zero.
- Tax per line from the tax rate's EffectiveRate, rounded to cents per line and then summed:
  Exclusive adds it on top (amount × rate / 100), Inclusive finds it inside the amount
  (amount × rate / (100 + rate)), NoTax has none.
- Exclusive/NoTax: SubTotal = Σ line amounts, Total = SubTotal + TotalTax.
  Inclusive: Total = Σ line amounts, SubTotal = Total − TotalTax.
static/drafts.js repeats exactly these rules for the live totals (tests compare both with what the
sandbox stores).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from widget.xero.models import LineAmountTypes

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """What a line's totals depend on; `rate` is its tax rate's EffectiveRate in percent."""

    quantity: Decimal
    unit_amount: Decimal
    rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotal:
    line_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    lines: tuple[LineTotal, ...]


def line_total(line: Line, amount_types: LineAmountTypes) -> LineTotal:
    # enough digits that a division is never rounded before its rounding to cents (the JS does
    # exact integer arithmetic, so both must round the exact quotient)
    with localcontext() as context:
        context.prec = 60
        amount = cents(line.quantity * line.unit_amount)
        if amount_types is LineAmountTypes.EXCLUSIVE:
            tax = cents(amount * line.rate / HUNDRED)
        elif amount_types is LineAmountTypes.INCLUSIVE:
            tax = cents(amount * line.rate / (HUNDRED + line.rate)) if line.rate else ZERO
        else:
            tax = ZERO
    return LineTotal(amount, tax)


def document_totals(lines: Iterable[Line], amount_types: LineAmountTypes) -> DocumentTotals:
    return combine((line_total(line, amount_types) for line in lines), amount_types)


def combine(line_totals: Iterable[LineTotal], amount_types: LineAmountTypes) -> DocumentTotals:
    """The document's figures from its lines' (already rounded) amounts and taxes."""
    totals = tuple(line_totals)
    amounts = sum((t.line_amount for t in totals), ZERO)
    tax = sum((t.tax_amount for t in totals), ZERO)
    if amount_types is LineAmountTypes.INCLUSIVE:
        return DocumentTotals(amounts - tax, tax, amounts, totals)
    return DocumentTotals(amounts, tax, amounts + tax, totals)
