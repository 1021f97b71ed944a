"""Every read of the client against the sandbox, over HTTP, each exchange checked with the spec."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from widget.xero import (
    InvoiceStatus,
    InvoiceType,
    LineAmountTypes,
    QuoteStatus,
    RateLimitRemaining,
)

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


def test_organisation_and_reference_data(xero, spec_check):
    org = xero.organisation()
    assert org.name == "Demo Company (NZ)" and org.base_currency == "NZD"
    assert org.timezone == "NEWZEALANDSTANDARDTIME" and org.short_code
    assert isinstance(org.period_lock_date, date) and org.is_demo_company

    accounts = xero.accounts()
    assert accounts and all(a.account_id and a.name for a in accounts)
    assert any(a.type == "REVENUE" and a.is_active for a in accounts)
    assert all(a.code is None or len(a.code) <= 10 for a in accounts)

    rates = xero.tax_rates()
    assert any(r.can_apply_to_revenue for r in rates) and any(
        r.can_apply_to_expenses for r in rates
    )
    assert all(isinstance(r.effective_rate, Decimal) for r in rates)

    items = xero.items()
    assert items and all(i.code for i in items)
    assert any(isinstance(i.sales_unit_price, Decimal) for i in items)

    codes = [c.code for c in xero.currencies()]
    assert "NZD" in codes and len(codes) > 1  # the multi-currency organisation
    assert spec_check.checked == 5


def test_contacts_paging_and_all_pages(xero, spec_check):
    first = xero.contacts(page=1, page_size=100)
    assert first.page == 1 and first.page_size == 100
    assert first.item_count > 100 and first.page_count == 2 and first.has_more
    second = xero.contacts(page=2, page_size=100)
    assert not second.has_more
    everyone = list(xero.all_pages(xero.contacts, page_size=100))
    assert len(everyone) == first.item_count
    assert len({c.contact_id for c in everyone}) == len(everyone)
    # paged lists carry contact persons (Xero leaves them out of unpaged lists)
    assert any(c.contact_persons for c in first.items)
    assert spec_check.checked == 4


def test_contact_filters(xero, spec_check):
    listed = xero.contacts(page=1).items
    target = next(c for c in listed if c.email_address and c.contact_persons)

    by_email = xero.contacts(email=target.email_address.upper())  # case-insensitive
    assert [c.contact_id for c in by_email] == [target.contact_id]
    by_name = xero.contacts(name=target.name.lower())
    assert [c.contact_id for c in by_name] == [target.contact_id]
    by_both = xero.contacts(email=target.email_address, name=target.name)
    assert [c.contact_id for c in by_both] == [target.contact_id]
    assert xero.contacts(email="nobody+" + target.email_address).items == []

    searched = xero.contacts(search_term=target.name.split()[0].lower(), page=1)
    assert target.contact_id in {c.contact_id for c in searched}

    others = [c.contact_id for c in listed[:3]]
    by_ids = xero.contacts(ids=others)
    assert sorted(c.contact_id for c in by_ids) == sorted(others)

    summary = xero.contacts(ids=[target.contact_id], page=1, summary_only=True)
    assert summary.items[0].contact_persons == ()
    assert summary.items[0].receivable_outstanding is None

    one = xero.contact(target.contact_id)
    assert one.contact_persons == target.contact_persons
    assert one.receivable_outstanding is not None
    assert spec_check.checked == 9


def test_archived_and_merged_contacts(xero):
    active = xero.contacts(page=1, page_size=1000)
    everyone = xero.contacts(page=1, page_size=1000, include_archived=True)
    archived = [c for c in everyone if c.contact_status == "ARCHIVED"]
    assert archived and everyone.item_count == active.item_count + len(archived)
    assert all(c.contact_status != "ARCHIVED" for c in active)
    merged = [c for c in archived if c.merged_to_contact_id]
    assert merged
    assert xero.contact(merged[0].merged_to_contact_id).contact_status == "ACTIVE"


def test_a_quote_in_an_email_falls_back_to_search_term(xero, spec_check):
    page = xero.contacts(email='no"such@example.com')
    assert page.items == []
    assert spec_check.checked == 1


def test_invoice_filters_and_paging(xero, spec_check):
    everything = xero.invoices(page=1, page_size=1000, summary_only=True)
    assert everything.item_count == len(everything.items)
    assert all(i.line_items == () for i in everything)  # summaryOnly drops line items
    sale = next(i for i in everything if i.type == "ACCREC" and i.status == "AUTHORISED")

    mine = xero.invoices(contact_ids=[sale.contact_id], page=1, summary_only=True)
    assert mine.items and all(i.contact_id == sale.contact_id for i in mine)

    authorised = xero.invoices(statuses=[InvoiceStatus.AUTHORISED, "PAID"], page=1, page_size=1000)
    assert authorised.items
    assert {i.status for i in authorised} <= {"AUTHORISED", "PAID"}
    assert any(i.line_items for i in authorised)  # paged lists carry lines

    bills = xero.invoices(invoice_type=InvoiceType.BILL, page=1, page_size=1000, summary_only=True)
    assert bills.items and all(i.is_bill for i in bills)

    cutoff = date.today() - timedelta(days=1)
    overdue = xero.invoices(
        invoice_type=InvoiceType.SALES,
        statuses=["AUTHORISED"],
        due_before=cutoff,
        page=1,
        summary_only=True,
    )
    assert overdue.items
    assert all(i.due_date < cutoff and i.type == "ACCREC" for i in overdue)

    by_ids = xero.invoices(ids=[sale.invoice_id], page=1)
    assert [i.invoice_id for i in by_ids] == [sale.invoice_id]

    pages = list(xero.all_pages(xero.invoices, page_size=250, summary_only=True))
    assert len(pages) == everything.item_count

    one = xero.invoice(sale.invoice_id)
    assert one.line_items and one.total == sale.total and one.amount_due == sale.amount_due
    assert all(isinstance(line.unit_amount, Decimal) for line in one.line_items)
    assert one.line_amount_types in set(LineAmountTypes)
    assert spec_check.checked >= 9


def test_foreign_currency_documents_carry_their_rate(xero):
    invoices = xero.invoices(page=1, page_size=1000, summary_only=True)
    foreign = [i for i in invoices if i.currency_code != "NZD"]
    assert foreign and all(i.currency_rate and i.currency_rate != 1 for i in foreign)
    assert all(i.currency_rate == 1 for i in invoices if i.currency_code == "NZD")


def test_quote_filters(xero, spec_check):
    everything = list(xero.all_pages(xero.quotes))
    assert len(everything) < 100 and spec_check.checked == 1  # a short page is the last
    sent = next(q for q in everything if q.status == QuoteStatus.SENT and q.expiry_date)
    assert sent.line_items and sent.line_amount_types in set(LineAmountTypes)

    by_contact = xero.quotes(contact_id=sent.contact_id, page=1)
    assert sent.quote_id in {q.quote_id for q in by_contact}
    assert all(q.contact_id == sent.contact_id for q in by_contact)

    drafts = xero.quotes(status="DRAFT", page=1)
    assert drafts.items and all(q.status == "DRAFT" for q in drafts)

    dated = xero.quotes(date_from=sent.date, date_to=sent.date, page=1)
    assert sent.quote_id in {q.quote_id for q in dated}
    assert all(q.date == sent.date for q in dated)

    expiring = xero.quotes(
        expiry_date_from=sent.expiry_date, expiry_date_to=sent.expiry_date, page=1
    )
    assert sent.quote_id in {q.quote_id for q in expiring}
    assert all(q.expiry_date == sent.expiry_date for q in expiring)

    one = xero.quote(sent.quote_id)
    assert one.quote_number == sent.quote_number and one.total == sent.total
    assert spec_check.checked == 6


def test_remaining_limits_are_recorded_for_every_call(xero, recorder, sandbox_token):
    xero.currencies()
    first = recorder.latest(sandbox_token.tenant_id)
    xero.currencies()
    second = recorder.latest(sandbox_token.tenant_id)
    assert isinstance(first, RateLimitRemaining)
    assert second.day_remaining == first.day_remaining - 1
    assert second.minute_remaining == first.minute_remaining - 1
    assert second.app_minute_remaining < first.app_minute_remaining
    assert recorder.last_success_at(sandbox_token.tenant_id) is not None
