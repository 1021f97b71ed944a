"""Xero's JSON (PascalCase, `/Date(…)/`, parsed with Decimal floats) to our frozen models.

Missing keys are normal (summaryOnly, older organisations), so every field but the id is optional.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from widget.xero.dates import parse_date, parse_datetime
from widget.xero.models import (
    Account,
    Contact,
    ContactPerson,
    CreditNote,
    Currency,
    Invoice,
    Item,
    LineAmountTypes,
    LineItem,
    Organisation,
    Page,
    Quote,
    TaxRate,
)
from widget.xero.money import to_decimal

T = TypeVar("T")


def _str(data: dict, key: str) -> str | None:
    value = data.get(key)
    return None if value is None or value == "" else str(value)


def _bool(data: dict, key: str, default: bool = False) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    return None if value is None or value == "" else int(value)


def _date(data: dict, key: str):
    """A date-only field; Xero sometimes also sends `<Key>String` in ISO form."""
    value = data.get(key) or data.get(f"{key}String")
    return parse_date(value)


def organisation(data: dict[str, Any]) -> Organisation:
    return Organisation(
        organisation_id=data["OrganisationID"],
        name=data.get("Name") or "",
        legal_name=_str(data, "LegalName"),
        short_code=_str(data, "ShortCode"),
        base_currency=data.get("BaseCurrency") or "",
        timezone=_str(data, "Timezone"),
        country_code=_str(data, "CountryCode"),
        period_lock_date=_date(data, "PeriodLockDate"),
        end_of_year_lock_date=_date(data, "EndOfYearLockDate"),
        is_demo_company=_bool(data, "IsDemoCompany"),
        organisation_type=_str(data, "OrganisationType"),
        organisation_status=_str(data, "OrganisationStatus"),
        version=_str(data, "Version"),
        plan_class=_str(data, "Class"),
        pays_tax=data.get("PaysTax"),
        default_sales_tax=_str(data, "DefaultSalesTax"),
        default_purchases_tax=_str(data, "DefaultPurchasesTax"),
        financial_year_end_day=_int(data, "FinancialYearEndDay"),
        financial_year_end_month=_int(data, "FinancialYearEndMonth"),
        created_at=parse_datetime(data.get("CreatedDateUTC")),
    )


def contact_person(data: dict[str, Any]) -> ContactPerson:
    return ContactPerson(
        first_name=_str(data, "FirstName"),
        last_name=_str(data, "LastName"),
        email_address=_str(data, "EmailAddress"),
        include_in_emails=_bool(data, "IncludeInEmails"),
    )


def contact(data: dict[str, Any]) -> Contact:
    balances = data.get("Balances") or {}
    receivable = balances.get("AccountsReceivable") or {}
    payable = balances.get("AccountsPayable") or {}
    return Contact(
        contact_id=data["ContactID"],
        name=data.get("Name") or "",
        first_name=_str(data, "FirstName"),
        last_name=_str(data, "LastName"),
        email_address=_str(data, "EmailAddress"),
        contact_status=_str(data, "ContactStatus"),
        is_customer=_bool(data, "IsCustomer"),
        is_supplier=_bool(data, "IsSupplier"),
        contact_persons=tuple(contact_person(p) for p in data.get("ContactPersons") or ()),
        merged_to_contact_id=_str(data, "MergedToContactID"),
        updated_at=parse_datetime(data.get("UpdatedDateUTC")),
        contact_number=_str(data, "ContactNumber"),
        account_number=_str(data, "AccountNumber"),
        company_number=_str(data, "CompanyNumber"),
        default_currency=_str(data, "DefaultCurrency"),
        website=_str(data, "Website"),
        receivable_outstanding=to_decimal(receivable.get("Outstanding")),
        receivable_overdue=to_decimal(receivable.get("Overdue")),
        payable_outstanding=to_decimal(payable.get("Outstanding")),
        payable_overdue=to_decimal(payable.get("Overdue")),
    )


def line_item(data: dict[str, Any]) -> LineItem:
    return LineItem(
        description=_str(data, "Description"),
        quantity=to_decimal(data.get("Quantity")),
        unit_amount=to_decimal(data.get("UnitAmount")),
        account_code=_str(data, "AccountCode"),
        tax_type=_str(data, "TaxType"),
        item_code=_str(data, "ItemCode"),
        line_amount=to_decimal(data.get("LineAmount")),
        tax_amount=to_decimal(data.get("TaxAmount")),
        line_item_id=_str(data, "LineItemID"),
        discount_rate=to_decimal(data.get("DiscountRate")),
    )


def _line_items(data: dict[str, Any]) -> tuple[LineItem, ...]:
    return tuple(line_item(line) for line in data.get("LineItems") or ())


def _document(data: dict[str, Any]) -> dict[str, Any]:
    """What invoices, bills and quotes share: contact, status, dates, currency, lines, totals."""
    who = data.get("Contact") or {}
    return {
        "reference": _str(data, "Reference"),
        "contact_id": _str(who, "ContactID"),
        "contact_name": _str(who, "Name"),
        "status": data.get("Status") or "",
        "date": _date(data, "Date"),
        "currency_code": _str(data, "CurrencyCode"),
        "currency_rate": to_decimal(data.get("CurrencyRate")),
        "line_amount_types": LineAmountTypes.parse(data.get("LineAmountTypes")),
        "line_items": _line_items(data),
        "sub_total": to_decimal(data.get("SubTotal")),
        "total_tax": to_decimal(data.get("TotalTax")),
        "total": to_decimal(data.get("Total")),
        "updated_at": parse_datetime(data.get("UpdatedDateUTC")),
    }


def invoice(data: dict[str, Any]) -> Invoice:
    return Invoice(
        invoice_id=data["InvoiceID"],
        type=data.get("Type") or "",
        invoice_number=_str(data, "InvoiceNumber"),
        due_date=_date(data, "DueDate"),
        amount_due=to_decimal(data.get("AmountDue")),
        amount_paid=to_decimal(data.get("AmountPaid")),
        amount_credited=to_decimal(data.get("AmountCredited")),
        fully_paid_on_date=_date(data, "FullyPaidOnDate"),
        has_attachments=_bool(data, "HasAttachments"),
        url=_str(data, "Url"),
        **_document(data),
    )


def quote(data: dict[str, Any]) -> Quote:
    return Quote(
        quote_id=data["QuoteID"],
        quote_number=_str(data, "QuoteNumber"),
        expiry_date=_date(data, "ExpiryDate"),
        title=_str(data, "Title"),
        summary=_str(data, "Summary"),
        terms=_str(data, "Terms"),
        **_document(data),
    )


def credit_note(data: dict[str, Any]) -> CreditNote:
    who = data.get("Contact") or {}
    return CreditNote(
        credit_note_id=data["CreditNoteID"],
        type=data.get("Type") or "",
        credit_note_number=_str(data, "CreditNoteNumber"),
        reference=_str(data, "Reference"),
        contact_id=_str(who, "ContactID"),
        contact_name=_str(who, "Name"),
        status=data.get("Status") or "",
        date=_date(data, "Date"),
        currency_code=_str(data, "CurrencyCode"),
        currency_rate=to_decimal(data.get("CurrencyRate")),
        sub_total=to_decimal(data.get("SubTotal")),
        total_tax=to_decimal(data.get("TotalTax")),
        total=to_decimal(data.get("Total")),
        remaining_credit=to_decimal(data.get("RemainingCredit")),
        updated_at=parse_datetime(data.get("UpdatedDateUTC")),
    )


def account(data: dict[str, Any]) -> Account:
    return Account(
        account_id=data["AccountID"],
        code=_str(data, "Code"),
        name=data.get("Name") or "",
        type=_str(data, "Type"),
        status=_str(data, "Status"),
        tax_type=_str(data, "TaxType"),
        account_class=_str(data, "Class"),
        description=_str(data, "Description"),
        currency_code=_str(data, "CurrencyCode"),
        system_account=_str(data, "SystemAccount"),
        enable_payments_to_account=_bool(data, "EnablePaymentsToAccount"),
        updated_at=parse_datetime(data.get("UpdatedDateUTC")),
    )


def tax_rate(data: dict[str, Any]) -> TaxRate:
    return TaxRate(
        name=data.get("Name") or "",
        tax_type=data["TaxType"],
        status=_str(data, "Status"),
        effective_rate=to_decimal(data.get("EffectiveRate")),
        can_apply_to_revenue=_bool(data, "CanApplyToRevenue"),
        can_apply_to_expenses=_bool(data, "CanApplyToExpenses"),
        display_tax_rate=to_decimal(data.get("DisplayTaxRate")),
        can_apply_to_assets=_bool(data, "CanApplyToAssets"),
        can_apply_to_liabilities=_bool(data, "CanApplyToLiabilities"),
        can_apply_to_equity=_bool(data, "CanApplyToEquity"),
        report_tax_type=_str(data, "ReportTaxType"),
    )


def item(data: dict[str, Any]) -> Item:
    sales = data.get("SalesDetails") or {}
    purchase = data.get("PurchaseDetails") or {}
    return Item(
        item_id=data["ItemID"],
        code=data.get("Code") or "",
        name=_str(data, "Name"),
        description=_str(data, "Description"),
        purchase_description=_str(data, "PurchaseDescription"),
        sales_unit_price=to_decimal(sales.get("UnitPrice")),
        sales_account_code=_str(sales, "AccountCode"),
        sales_tax_type=_str(sales, "TaxType"),
        purchase_unit_price=to_decimal(purchase.get("UnitPrice")),
        purchase_account_code=_str(purchase, "AccountCode"),
        purchase_tax_type=_str(purchase, "TaxType"),
        is_sold=_bool(data, "IsSold", default=True),
        is_purchased=_bool(data, "IsPurchased", default=True),
        is_tracked_as_inventory=_bool(data, "IsTrackedAsInventory"),
        updated_at=parse_datetime(data.get("UpdatedDateUTC")),
    )


def currency(data: dict[str, Any]) -> Currency:
    return Currency(code=data["Code"], description=_str(data, "Description"))


def collection(body: dict[str, Any], key: str, parse: Callable[[dict], T]) -> list[T]:
    """The documents of an envelope such as {"Contacts": […]}."""
    return [parse(entry) for entry in body.get(key) or ()]


def page(body: dict[str, Any], key: str, parse: Callable[[dict], T], requested: dict) -> Page[T]:
    """A list envelope as a Page; without Xero's `pagination`, what we asked for stands in."""
    paging = body.get("pagination") or {}
    return Page(
        items=collection(body, key, parse),
        page=paging.get("page", requested.get("page")),
        page_size=paging.get("pageSize", requested.get("pageSize")),
        page_count=paging.get("pageCount"),
        item_count=paging.get("itemCount"),
    )
