"""What the app asks Xero to create. Drafts take our one `LineAmountTypes`; the payload writer
spells it the way each document type wants.

Only shape is checked here (a programming error raises ValueError); what a rep typed is checked by
the forms, and what Xero refuses comes back as XeroValidationError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from widget.xero.models import InvoiceType, LineAmountTypes

MAX_IDEMPOTENCY_KEY = 128


def check_idempotency_key(key: str) -> str:
    """Xero accepts at most 128 characters; keep to visible ASCII so it is a safe header value."""
    if not isinstance(key, str) or not key:
        raise ValueError("an idempotency key is required")
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise ValueError(f"idempotency key longer than {MAX_IDEMPOTENCY_KEY} characters")
    if not all(33 <= ord(ch) <= 126 for ch in key):
        raise ValueError("idempotency key must be visible ASCII without spaces")
    return key


def _amount(value, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise ValueError(f"{name} must be a Decimal, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{name} must be a finite number")
    return amount


@dataclass(frozen=True)
class ContactDraft:
    name: str
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    contact_number: str | None = None
    account_number: str | None = None
    company_number: str | None = None
    default_currency: str | None = None

    def __post_init__(self):
        if not self.name or not self.name.strip():
            raise ValueError("a contact needs a name")


@dataclass(frozen=True)
class LineItemDraft:
    description: str | None = None
    quantity: Decimal | None = None
    unit_amount: Decimal | None = None
    account_code: str | None = None
    tax_type: str | None = None
    item_code: str | None = None
    discount_rate: Decimal | None = None

    def __post_init__(self):
        for name in ("quantity", "unit_amount", "discount_rate"):
            object.__setattr__(self, name, _amount(getattr(self, name), name))


def _lines(lines: Sequence[LineItemDraft]) -> tuple[LineItemDraft, ...]:
    lines = tuple(lines)
    if not all(isinstance(line, LineItemDraft) for line in lines):
        raise ValueError("line_items must be LineItemDraft values")
    return lines


def _line_amount_types(value) -> LineAmountTypes | None:
    if value is None or isinstance(value, LineAmountTypes):
        return value
    return LineAmountTypes.parse(value)


@dataclass(frozen=True)
class InvoiceDraft:
    """A sales invoice (type ACCREC) or bill (ACCPAY) to create, DRAFT unless told otherwise."""

    type: InvoiceType
    contact_id: str
    date: date | None = None
    due_date: date | None = None
    reference: str | None = None
    currency_code: str | None = None
    line_amount_types: LineAmountTypes | None = None
    line_items: Sequence[LineItemDraft] = field(default_factory=tuple)
    status: str = "DRAFT"
    invoice_number: str | None = None  # for a bill: the supplier's reference
    #: Xero's "Go to [app]" link: seen in Xero only, never by the customer; kept by Xero, so
    #: the drafts mark each document with it to tell it from an identical one
    url: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "type", InvoiceType(self.type))
        object.__setattr__(self, "line_items", _lines(self.line_items))
        object.__setattr__(self, "line_amount_types", _line_amount_types(self.line_amount_types))
        if not self.contact_id:
            raise ValueError("an invoice needs a contact_id")


@dataclass(frozen=True)
class QuoteDraft:
    contact_id: str
    date: date
    expiry_date: date | None = None
    reference: str | None = None
    currency_code: str | None = None
    line_amount_types: LineAmountTypes | None = None
    line_items: Sequence[LineItemDraft] = field(default_factory=tuple)
    status: str = "DRAFT"
    title: str | None = None
    summary: str | None = None
    terms: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "line_items", _lines(self.line_items))
        object.__setattr__(self, "line_amount_types", _line_amount_types(self.line_amount_types))
        if not self.contact_id:
            raise ValueError("a quote needs a contact_id")
        if not isinstance(self.date, date):
            raise ValueError("a quote needs a date")
