"""Line-item arithmetic the way Xero does it, in Decimal (never floats).

LineAmount = Quantity × UnitAmount (less DiscountRate %), rounded to cents. Tax per line from the
tax rate's EffectiveRate: on top of the amount (Exclusive), inside it (Inclusive: tax =
amount × rate / (100 + rate)), or none (NoTax). Rounding is half-up per line, then summed
(*guess*: Xero rounds per line too; its rounding mode is not documented).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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


def line_total(
    quantity: Decimal,
    unit_amount: Decimal,
    rate: Decimal,
    amount_types: str,
    discount_rate: Decimal = Decimal(0),
) -> LineTotal:
    """One line; `amount_types` is exclusive/inclusive/notax in any case (quotes use upper case)."""
    amount = cents(quantity * unit_amount)
    if discount_rate:
        amount = cents(amount * (HUNDRED - discount_rate) / HUNDRED)
    kind = amount_types.lower()
    if kind == "exclusive":
        tax = cents(amount * rate / HUNDRED)
    elif kind == "inclusive":
        tax = cents(amount * rate / (HUNDRED + rate))
    else:
        tax = Decimal("0.00")
    return LineTotal(amount, tax)


def document_totals(lines: list[LineTotal], amount_types: str) -> DocumentTotals:
    line_sum = sum((line.line_amount for line in lines), Decimal("0.00"))
    tax = sum((line.tax_amount for line in lines), Decimal("0.00"))
    if amount_types.lower() == "inclusive":
        sub_total, total = line_sum - tax, line_sum
    else:
        sub_total, total = line_sum, line_sum + tax
    return DocumentTotals(sub_total, tax, total, tuple(lines))
