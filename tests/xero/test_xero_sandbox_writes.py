"""Creating contacts, invoices, bills and quotes in the sandbox: idempotency, Decimal amounts,
each document's LineAmountTypes spelling, and Xero's validation messages tied to fields.

Documents made here stay in the shared live server, so each belongs to a contact with a unique,
unmistakable name (and nothing else's figures change).
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from widget.xero import (
    ContactDraft,
    InvoiceDraft,
    InvoiceType,
    LineAmountTypes,
    LineItemDraft,
    QuoteDraft,
    XeroClient,
    XeroRequestError,
    XeroUnavailable,
    XeroValidationError,
)

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

TODAY = date.today()


def key() -> str:
    return f"test-{uuid.uuid4()}"


def unique_name() -> str:
    return f"zz Xero client test {uuid.uuid4().hex[:12]}"


@pytest.fixture
def contact(xero):
    return xero.create_contact(ContactDraft(unique_name()), idempotency_key=key())


@pytest.fixture
def codes(xero):
    """An active sales and purchase account code (the sandbox's chart, as Xero's demo)."""
    accounts = [a for a in xero.accounts() if a.is_active and a.code]
    sales = next(a.code for a in accounts if a.type in ("REVENUE", "SALES"))
    purchases = next(a.code for a in accounts if a.type in ("EXPENSE", "DIRECTCOSTS"))
    return sales, purchases


def test_create_contact_is_idempotent_per_key(xero, spec_check):
    name, first_key = unique_name(), key()
    draft = ContactDraft(name, "Ann", "Lee", f"{uuid.uuid4().hex[:8]}@example.com")
    created = xero.create_contact(draft, idempotency_key=first_key)
    again = xero.create_contact(draft, idempotency_key=first_key)
    assert again.contact_id == created.contact_id
    assert (created.name, created.first_name, created.last_name) == (name, "Ann", "Lee")
    assert created.email_address == draft.email_address
    assert [c.contact_id for c in xero.contacts(name=name)] == [created.contact_id]
    assert spec_check.checked == 3  # both PUTs and the GET, request and response


def test_contact_validation_ties_messages_to_fields(xero, contact):
    with pytest.raises(XeroValidationError) as taken:
        xero.create_contact(ContactDraft(contact.name), idempotency_key=key())
    assert list(taken.value.field_errors) == ["Name"]
    assert "already assigned" in taken.value.field_errors["Name"][0]
    with pytest.raises(XeroValidationError) as email:
        xero.create_contact(
            ContactDraft(unique_name(), email_address="not-an-email"), idempotency_key=key()
        )
    assert email.value.field_errors == {"EmailAddress": ["Email address must be valid."]}
    assert email.value.general_errors == []


def test_sales_invoice_keeps_four_decimal_prices_and_is_created_once(xero, contact, codes):
    sales, _ = codes
    draft = InvoiceDraft(
        type=InvoiceType.SALES,
        contact_id=contact.contact_id,
        date=TODAY,
        due_date=TODAY + timedelta(days=14),
        reference="Deal 42",
        line_amount_types=LineAmountTypes.NO_TAX,
        line_items=[
            LineItemDraft("Widgets", Decimal("3"), Decimal("12.3456"), sales),
            LineItemDraft("Fee", Decimal("1"), Decimal("0.10"), sales),
        ],
    )
    form_key = key()
    invoice = xero.create_invoice(draft, idempotency_key=form_key)
    assert xero.create_invoice(draft, idempotency_key=form_key).invoice_id == invoice.invoice_id
    assert invoice.type == "ACCREC" and invoice.status == "DRAFT"
    assert invoice.invoice_number and invoice.reference == "Deal 42"
    assert (invoice.date, invoice.due_date) == (draft.date, draft.due_date)
    assert invoice.line_amount_types is LineAmountTypes.NO_TAX
    assert invoice.line_items[0].unit_amount == Decimal("12.3456")
    assert invoice.sub_total == Decimal("37.14") and invoice.total == Decimal("37.14")
    assert invoice.amount_due == invoice.total and invoice.contact_id == contact.contact_id
    listed = xero.invoices(contact_ids=[contact.contact_id], page=1)
    assert [i.invoice_id for i in listed] == [invoice.invoice_id]
    assert xero.invoice(invoice.invoice_id).total == invoice.total


def test_bill_and_quote(xero, contact, codes):
    sales, purchases = codes
    bill = xero.create_invoice(
        InvoiceDraft(
            InvoiceType.BILL,
            contact.contact_id,
            invoice_number=f"SUP-{uuid.uuid4().hex[:6]}",
            line_amount_types=LineAmountTypes.INCLUSIVE,
            line_items=[LineItemDraft("Paper", Decimal("2"), Decimal("11.50"), purchases)],
        ),
        idempotency_key=key(),
    )
    assert bill.is_bill and bill.status == "DRAFT" and bill.invoice_number.startswith("SUP-")
    assert bill.line_amount_types is LineAmountTypes.INCLUSIVE
    assert bill.total == Decimal("23.00")

    quote_key = key()
    draft = QuoteDraft(
        contact.contact_id,
        TODAY,
        expiry_date=TODAY + timedelta(days=30),
        reference="Deal 42",
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[LineItemDraft("Consulting", Decimal("1.5"), Decimal("200"), sales)],
    )
    quote = xero.create_quote(draft, idempotency_key=quote_key)
    assert xero.create_quote(draft, idempotency_key=quote_key).quote_id == quote.quote_id
    assert quote.status == "DRAFT" and quote.quote_number
    assert quote.line_amount_types is LineAmountTypes.EXCLUSIVE  # sent as "EXCLUSIVE"
    assert quote.sub_total == Decimal("300.00") and quote.total > quote.sub_total
    assert (quote.date, quote.expiry_date) == (draft.date, draft.expiry_date)
    assert [q.quote_id for q in xero.quotes(contact_id=contact.contact_id, page=1)] == [
        quote.quote_id
    ]
    bills = xero.invoices(contact_ids=[contact.contact_id], invoice_type="ACCPAY", page=1)
    assert [b.invoice_id for b in bills] == [bill.invoice_id]


def test_foreign_currency_invoice(xero, contact, codes):
    invoice = xero.create_invoice(
        InvoiceDraft(
            InvoiceType.SALES,
            contact.contact_id,
            currency_code="AUD",
            line_items=[LineItemDraft("Export", Decimal("1"), Decimal("100"), codes[0])],
        ),
        idempotency_key=key(),
    )
    assert invoice.currency_code == "AUD"
    assert invoice.currency_rate and invoice.currency_rate != 1


def test_invoice_validation_messages_land_on_their_fields(xero, contact, codes):
    sales, _ = codes
    draft = InvoiceDraft(
        InvoiceType.SALES,
        contact.contact_id,
        date=TODAY,
        due_date=TODAY - timedelta(days=1),
        currency_code="JPY",
        line_items=[
            LineItemDraft("Fine", Decimal("1"), Decimal("1"), sales),
            LineItemDraft("Wrong account", Decimal("1"), Decimal("1"), "ZZ999"),
            LineItemDraft(quantity=Decimal("1"), unit_amount=Decimal("5"), account_code=sales),
        ],
    )
    with pytest.raises(XeroValidationError) as caught:
        xero.create_invoice(draft, idempotency_key=key())
    fields = caught.value.field_errors
    assert set(fields) == {
        "LineItems[1].AccountCode",
        "LineItems[2].Description",
        "DueDate",
        "CurrencyCode",
    }, caught.value.messages
    assert "ZZ999" in fields["LineItems[1].AccountCode"][0]
    assert caught.value.general_errors == []
    # nothing was created
    assert xero.invoices(contact_ids=[contact.contact_id], page=1).items == []


def test_lock_dates_and_missing_accounts_on_approved_bills(xero, contact):
    org = xero.organisation()
    locked = InvoiceDraft(
        InvoiceType.BILL,
        contact.contact_id,
        date=org.period_lock_date - timedelta(days=3),
        due_date=org.period_lock_date,
        status="AUTHORISED",
        line_items=[LineItemDraft("No account", Decimal("1"), Decimal("1"))],
    )
    with pytest.raises(XeroValidationError) as caught:
        xero.create_invoice(locked, idempotency_key=key())
    fields = caught.value.field_errors
    assert "lock date" in fields["Date"][0]
    assert "LineItems[0].AccountCode" in fields


def test_quote_validation(xero, contact):
    draft = QuoteDraft(
        contact.contact_id,
        TODAY,
        expiry_date=TODAY - timedelta(days=2),
        line_items=[LineItemDraft("x", item_code="NO-SUCH-ITEM")],
    )
    with pytest.raises(XeroValidationError) as caught:
        xero.create_quote(draft, idempotency_key=key())
    assert set(caught.value.field_errors) == {"ExpiryDate", "LineItems[0].ItemCode"}


def test_reusing_a_key_for_a_different_document_is_our_bug(xero, contact, codes):
    form_key = key()
    line = [LineItemDraft("A", Decimal("1"), Decimal("1"), codes[0])]
    xero.create_invoice(
        InvoiceDraft("ACCREC", contact.contact_id, line_items=line), idempotency_key=form_key
    )
    other = InvoiceDraft("ACCREC", contact.contact_id, reference="other", line_items=line)
    with pytest.raises(XeroRequestError):
        xero.create_invoice(other, idempotency_key=form_key)


def test_a_write_that_failed_after_committing_is_retried_safely_with_its_key(
    xero, contact, codes, sandbox_reset, sandbox_token
):
    sandbox_reset.faults.set(
        sandbox_token.tenant_id, commit_then_fail="500", commit_then_fail_count=1
    )
    draft = InvoiceDraft(
        "ACCREC",
        contact.contact_id,
        line_items=[LineItemDraft("A", Decimal(1), Decimal(2), codes[0])],
    )
    form_key = key()
    with pytest.raises(XeroUnavailable):
        xero.create_invoice(draft, idempotency_key=form_key)
    retried = xero.create_invoice(draft, idempotency_key=form_key)
    listed = xero.invoices(contact_ids=[contact.contact_id], page=1)
    assert [i.invoice_id for i in listed] == [retried.invoice_id]


def test_a_write_whose_answer_timed_out_is_retried_safely_with_its_key(
    endpoints, contact, codes, sandbox_reset, sandbox_token, spec_check
):
    impatient = XeroClient(
        endpoints,
        sandbox_token.tenant_id,
        lambda: sandbox_token.access_token,
        timeout=0.2,
        session=spec_check.session,
    )
    sandbox_reset.faults.set(
        sandbox_token.tenant_id,
        commit_then_fail="timeout",
        commit_then_fail_count=1,
        timeout_ms=500,
    )
    draft = QuoteDraft(
        contact.contact_id, TODAY, line_items=[LineItemDraft("A", Decimal(1), Decimal(2), codes[0])]
    )
    form_key = key()
    with pytest.raises(XeroUnavailable, match="did not answer"):
        impatient.create_quote(draft, idempotency_key=form_key)
    retried = impatient.create_quote(draft, idempotency_key=form_key)
    assert [q.quote_id for q in impatient.quotes(contact_id=contact.contact_id, page=1)] == [
        retried.quote_id
    ]
