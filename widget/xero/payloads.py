"""Drafts written as the JSON bodies Xero's PUT endpoints expect (PascalCase, dates YYYY-MM-DD).

Keys with no value are left out, so Xero applies its own defaults (Date today, Exclusive…).
"""

from typing import Any

from widget.xero.dates import format_date
from widget.xero.drafts import ContactDraft, InvoiceDraft, LineItemDraft, QuoteDraft


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _line(line: LineItemDraft) -> dict[str, Any]:
    return _compact(
        {
            "Description": line.description,
            "Quantity": line.quantity,
            "UnitAmount": line.unit_amount,
            "ItemCode": line.item_code,
            "AccountCode": line.account_code,
            "TaxType": line.tax_type,
            "DiscountRate": line.discount_rate,
        }
    )


def _date(value) -> str | None:
    return format_date(value) if value is not None else None


def contact_body(draft: ContactDraft) -> dict[str, Any]:
    contact = _compact(
        {
            "Name": draft.name.strip(),
            "FirstName": draft.first_name,
            "LastName": draft.last_name,
            "EmailAddress": draft.email_address,
            "ContactNumber": draft.contact_number,
            "AccountNumber": draft.account_number,
            "CompanyNumber": draft.company_number,
            "DefaultCurrency": draft.default_currency,
        }
    )
    return {"Contacts": [contact]}


def invoice_body(draft: InvoiceDraft) -> dict[str, Any]:
    invoice = _compact(
        {
            "Type": draft.type.value,
            "Contact": {"ContactID": draft.contact_id},
            "Date": _date(draft.date),
            "DueDate": _date(draft.due_date),
            "InvoiceNumber": draft.invoice_number,
            "Reference": draft.reference,
            "Url": draft.url,
            "CurrencyCode": draft.currency_code,
            "LineAmountTypes": (
                draft.line_amount_types.invoice_value if draft.line_amount_types else None
            ),
            "Status": draft.status,
            "LineItems": [_line(line) for line in draft.line_items],
        }
    )
    return {"Invoices": [invoice]}


def quote_body(draft: QuoteDraft) -> dict[str, Any]:
    quote = _compact(
        {
            "Contact": {"ContactID": draft.contact_id},
            "Date": _date(draft.date),
            "ExpiryDate": _date(draft.expiry_date),
            "Reference": draft.reference,
            "Title": draft.title,
            "Summary": draft.summary,
            "Terms": draft.terms,
            "CurrencyCode": draft.currency_code,
            "LineAmountTypes": (
                draft.line_amount_types.quote_value if draft.line_amount_types else None
            ),
            "Status": draft.status,
            "LineItems": [_line(line) for line in draft.line_items],
        }
    )
    return {"Quotes": [quote]}
