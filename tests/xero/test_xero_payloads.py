import json
from datetime import date
from decimal import Decimal

import pytest

from tests.xero_spec import validate_request
from widget.xero import (
    ContactDraft,
    InvoiceDraft,
    InvoiceType,
    LineAmountTypes,
    LineItemDraft,
    QuoteDraft,
)
from widget.xero.drafts import check_idempotency_key
from widget.xero.money import dumps
from widget.xero.payloads import contact_body, invoice_body, quote_body

# openapi-core cannot check OAuth2 security schemes and says so on every validation
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

CONTACT = "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"
LINES = [
    LineItemDraft("Fish", Decimal("3"), Decimal("12.3456"), "200", "OUTPUT2"),
    LineItemDraft(item_code="BOOK"),
]
HEADERS = {"xero-tenant-id": "t", "Content-Type": "application/json", "Idempotency-Key": "k"}


def test_invoice_body_uses_invoice_spelling_and_exact_amounts():
    draft = InvoiceDraft(
        type=InvoiceType.SALES,
        contact_id=CONTACT,
        date=date(2026, 11, 22),
        due_date=date(2026, 12, 22),
        reference="Deal 42",
        currency_code="AUD",
        line_amount_types=LineAmountTypes.NO_TAX,
        line_items=LINES,
    )
    body = invoice_body(draft)
    assert body == {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": CONTACT},
                "Date": "2026-11-22",
                "DueDate": "2026-12-22",
                "Reference": "Deal 42",
                "CurrencyCode": "AUD",
                "LineAmountTypes": "NoTax",
                "Status": "DRAFT",
                "LineItems": [
                    {
                        "Description": "Fish",
                        "Quantity": Decimal("3"),
                        "UnitAmount": Decimal("12.3456"),
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    },
                    {"ItemCode": "BOOK"},
                ],
            }
        ]
    }
    text = dumps(body)
    assert '"UnitAmount":12.3456' in text
    validate_request("PUT", "https://api.xero.com/api.xro/2.0/Invoices", HEADERS, text)


def test_bill_is_the_same_with_accpay_and_omits_what_xero_defaults():
    body = invoice_body(InvoiceDraft("ACCPAY", CONTACT, invoice_number="SUP-9", line_items=LINES))
    (bill,) = body["Invoices"]
    assert bill["Type"] == "ACCPAY" and bill["InvoiceNumber"] == "SUP-9"
    assert "Date" not in bill and "LineAmountTypes" not in bill and "DueDate" not in bill


def test_quote_body_uses_quote_spelling():
    draft = QuoteDraft(
        CONTACT,
        date(2026, 11, 22),
        expiry_date=date(2026, 12, 22),
        line_amount_types="Inclusive",
        line_items=LINES,
    )
    (quote,) = quote_body(draft)["Quotes"]
    assert quote["LineAmountTypes"] == "INCLUSIVE"
    assert quote["Date"] == "2026-11-22" and quote["ExpiryDate"] == "2026-12-22"
    assert quote["Status"] == "DRAFT" and quote["Contact"] == {"ContactID": CONTACT}
    validate_request(
        "PUT", "https://api.xero.com/api.xro/2.0/Quotes", HEADERS, dumps({"Quotes": [quote]})
    )


def test_contact_body():
    body = contact_body(ContactDraft(" Acme Ltd ", "Ann", "Lee", "ann@acme.test"))
    assert body == {
        "Contacts": [
            {
                "Name": "Acme Ltd",
                "FirstName": "Ann",
                "LastName": "Lee",
                "EmailAddress": "ann@acme.test",
            }
        ]
    }
    validate_request("PUT", "https://api.xero.com/api.xro/2.0/Contacts", HEADERS, json.dumps(body))


def test_drafts_refuse_what_would_be_our_bug():
    with pytest.raises(ValueError):
        LineItemDraft("x", quantity=1.5)  # floats lose cents
    with pytest.raises(ValueError):
        InvoiceDraft("ACCRECCREDIT", CONTACT)
    with pytest.raises(ValueError):
        InvoiceDraft(InvoiceType.SALES, "")
    with pytest.raises(ValueError):
        QuoteDraft(CONTACT, None)
    with pytest.raises(ValueError):
        ContactDraft("  ")
    with pytest.raises(ValueError):
        InvoiceDraft(InvoiceType.SALES, CONTACT, line_items=[{"Description": "x"}])
    assert LineItemDraft(quantity="2.50").quantity == Decimal("2.50")


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "new\nline", "é"])
def test_bad_idempotency_keys_are_refused(key):
    with pytest.raises(ValueError):
        check_idempotency_key(key)


def test_good_idempotency_key():
    assert check_idempotency_key("form-" + "x" * 123) == "form-" + "x" * 123
