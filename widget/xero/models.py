"""What the app gets back from Xero: frozen, snake_case, Decimal money, `date`/`datetime` values.

Statuses and types stay in Xero's spelling (plain strings, so an unknown new value never breaks
parsing); the StrEnums below name the values the app compares against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class InvoiceType(StrEnum):
    SALES = "ACCREC"
    BILL = "ACCPAY"


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"
    PAID = "PAID"
    VOIDED = "VOIDED"
    DELETED = "DELETED"


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    DECLINED = "DECLINED"
    ACCEPTED = "ACCEPTED"
    INVOICED = "INVOICED"
    DELETED = "DELETED"


class LineAmountTypes(StrEnum):
    """Whether line amounts include tax. The value is the invoice spelling (Exclusive…); quotes
    spell the same choice in capitals (EXCLUSIVE…), which `quote_value` gives."""

    EXCLUSIVE = "Exclusive"
    INCLUSIVE = "Inclusive"
    NO_TAX = "NoTax"

    @property
    def invoice_value(self) -> str:
        return self.value

    @property
    def quote_value(self) -> str:
        return self.value.upper()

    @classmethod
    def parse(cls, value: str | None) -> LineAmountTypes | None:
        """Either spelling (or Contact's NONE for no tax) to the one enum."""
        if not value:
            return None
        key = value.strip().upper()
        for member in cls:
            if member.value.upper() == key:
                return member
        if key == "NONE":
            return cls.NO_TAX
        raise ValueError(f"unknown LineAmountTypes: {value!r}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list call, with Xero's `pagination` figures when it sent them."""

    items: list[T]
    page: int | None
    page_size: int | None
    page_count: int | None
    item_count: int | None

    @property
    def has_more(self) -> bool:
        """Whether another page may follow (Xero's page count, else a full page means maybe)."""
        if self.page is None:
            return False
        if self.page_count is not None:
            return self.page < self.page_count
        return bool(self.items) and len(self.items) >= (self.page_size or 100)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Organisation:
    organisation_id: str
    name: str
    legal_name: str | None
    short_code: str | None
    base_currency: str
    timezone: str | None
    country_code: str | None
    period_lock_date: date | None
    end_of_year_lock_date: date | None
    is_demo_company: bool
    organisation_type: str | None = None
    organisation_status: str | None = None
    version: str | None = None
    plan_class: str | None = None  # Xero's "Class": DEMO, STARTER, STANDARD, PREMIUM…
    pays_tax: bool | None = None
    default_sales_tax: str | None = None
    default_purchases_tax: str | None = None
    financial_year_end_day: int | None = None
    financial_year_end_month: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class ContactPerson:
    first_name: str | None
    last_name: str | None
    email_address: str | None
    include_in_emails: bool = False


@dataclass(frozen=True)
class Contact:
    contact_id: str
    name: str
    first_name: str | None
    last_name: str | None
    email_address: str | None
    contact_status: str | None
    is_customer: bool
    is_supplier: bool
    contact_persons: tuple[ContactPerson, ...]
    merged_to_contact_id: str | None
    updated_at: datetime | None
    contact_number: str | None = None
    account_number: str | None = None
    company_number: str | None = None
    default_currency: str | None = None
    website: str | None = None
    # Xero's own balances, in the organisation's base currency (absent with summaryOnly)
    receivable_outstanding: Decimal | None = None
    receivable_overdue: Decimal | None = None
    payable_outstanding: Decimal | None = None
    payable_overdue: Decimal | None = None


@dataclass(frozen=True)
class LineItem:
    description: str | None
    quantity: Decimal | None
    unit_amount: Decimal | None
    account_code: str | None
    tax_type: str | None
    item_code: str | None
    line_amount: Decimal | None
    tax_amount: Decimal | None
    line_item_id: str | None = None
    discount_rate: Decimal | None = None


@dataclass(frozen=True)
class Invoice:
    """A sales invoice (type ACCREC) or a bill (ACCPAY); amounts in the invoice's currency."""

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
    line_amount_types: LineAmountTypes | None
    line_items: tuple[LineItem, ...]
    sub_total: Decimal | None
    total_tax: Decimal | None
    total: Decimal | None
    amount_due: Decimal | None
    amount_paid: Decimal | None
    amount_credited: Decimal | None
    updated_at: datetime | None
    fully_paid_on_date: date | None = None
    has_attachments: bool = False
    url: str | None = None  # the source document link an app set ("Go to [app]" in Xero)

    @property
    def is_bill(self) -> bool:
        return self.type == InvoiceType.BILL


@dataclass(frozen=True)
class Quote:
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
    line_amount_types: LineAmountTypes | None
    line_items: tuple[LineItem, ...]
    sub_total: Decimal | None
    total_tax: Decimal | None
    total: Decimal | None
    updated_at: datetime | None
    title: str | None = None
    summary: str | None = None
    terms: str | None = None


class CreditNoteType(StrEnum):
    SALES = "ACCRECCREDIT"  # to a customer
    PURCHASE = "ACCPAYCREDIT"  # from a supplier


@dataclass(frozen=True)
class CreditNote:
    """A credit note; `remaining_credit` is what is not yet allocated or refunded."""

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
    sub_total: Decimal | None
    total_tax: Decimal | None
    total: Decimal | None
    remaining_credit: Decimal | None
    updated_at: datetime | None

    @property
    def is_purchase(self) -> bool:
        return self.type == CreditNoteType.PURCHASE


@dataclass(frozen=True)
class Account:
    account_id: str
    code: str | None  # bank accounts may have none
    name: str
    type: str | None
    status: str | None
    tax_type: str | None
    account_class: str | None
    description: str | None = None
    currency_code: str | None = None
    system_account: str | None = None
    enable_payments_to_account: bool = False
    updated_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class TaxRate:
    name: str
    tax_type: str
    status: str | None
    effective_rate: Decimal | None
    can_apply_to_revenue: bool
    can_apply_to_expenses: bool
    display_tax_rate: Decimal | None = None
    can_apply_to_assets: bool = False
    can_apply_to_liabilities: bool = False
    can_apply_to_equity: bool = False
    report_tax_type: str | None = None


@dataclass(frozen=True)
class Item:
    item_id: str
    code: str
    name: str | None
    description: str | None
    purchase_description: str | None
    sales_unit_price: Decimal | None
    sales_account_code: str | None
    sales_tax_type: str | None
    purchase_unit_price: Decimal | None
    purchase_account_code: str | None
    purchase_tax_type: str | None
    is_sold: bool = True
    is_purchased: bool = True
    is_tracked_as_inventory: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Currency:
    code: str
    description: str | None
