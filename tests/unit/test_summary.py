from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from widget.summary import (
    Figure,
    open_quote_statuses,
    plan_summary_fetches,
    summarise,
    unique_documents,
)
from widget.timezones import today_in
from widget.xero.models import Invoice, Quote

TODAY = date(2026, 3, 11)
AS_OF = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
ACME = "11111111-1111-1111-1111-111111111111"
BETA = "22222222-2222-2222-2222-222222222222"
OTHER = "33333333-3333-3333-3333-333333333333"


def invoice(
    invoice_id,
    *,
    type="ACCREC",
    status="AUTHORISED",
    due="0",
    total=None,
    due_date=date(2026, 4, 1),
    currency="NZD",
    rate=Decimal("1"),
    contact_id=ACME,
    updated_at=None,
):
    amount_due = Decimal(due)
    return Invoice(
        invoice_id=invoice_id,
        type=type,
        invoice_number=f"INV-{invoice_id}",
        reference=None,
        contact_id=contact_id,
        contact_name="Acme",
        status=status,
        date=date(2026, 2, 1),
        due_date=due_date,
        currency_code=currency,
        currency_rate=rate,
        line_amount_types=None,
        line_items=(),
        sub_total=None,
        total_tax=None,
        total=Decimal(total) if total is not None else amount_due,
        amount_due=amount_due,
        amount_paid=None,
        amount_credited=None,
        updated_at=updated_at,
    )


def quote(
    quote_id,
    *,
    status="DRAFT",
    total="0",
    expiry=date(2026, 4, 1),
    currency="NZD",
    rate=Decimal("1"),
    contact_id=ACME,
):
    return Quote(
        quote_id=quote_id,
        quote_number=f"QU-{quote_id}",
        reference=None,
        contact_id=contact_id,
        contact_name="Acme",
        status=status,
        date=date(2026, 2, 1),
        expiry_date=expiry,
        currency_code=currency,
        currency_rate=rate,
        line_amount_types=None,
        line_items=(),
        sub_total=None,
        total_tax=None,
        total=Decimal(total),
        updated_at=None,
    )


INVOICES = [
    invoice("I1", due="115.00", due_date=date(2026, 3, 1)),  # overdue
    invoice("I2", due="120.00", total="300.00", currency="USD", rate=Decimal("0.6")),  # 200 NZD
    invoice("I3", status="PAID", due="0", total="80.00"),
    invoice("I4", status="DRAFT", due="40.00"),
    invoice("I5", status="VOIDED", due="0", total="70.00"),
    invoice("I6", due="10.00", due_date=TODAY),  # due today: not yet overdue
    invoice("I7", due="99.00", due_date=date(2026, 2, 1), currency="AUD", rate=Decimal("0.9")),
    invoice("I8", status="SUBMITTED", due="25.00", due_date=date(2026, 1, 1)),
    invoice("B1", type="ACCPAY", due="50.50", due_date=date(2026, 3, 10)),  # overdue bill
    invoice("B2", type="ACCPAY", due="11.00", currency="EUR", rate=Decimal("0.55")),  # 20 NZD
    invoice("B3", type="ACCPAY", status="PAID", due="0", total="5.00"),
    invoice("B4", type="ACCPAY", status="DELETED", due="9.00", due_date=date(2026, 1, 1)),
]
QUOTES = [
    quote("Q1", status="DRAFT", total="100.00", expiry=date(2026, 1, 1)),  # draft: never expired
    quote("Q2", status="SENT", total="60.00", currency="USD", rate=Decimal("0.6"),
          expiry=date(2026, 3, 10)),  # expired yesterday; 100 NZD
    quote("Q3", status="SENT", total="50.00", expiry=TODAY),  # expires today: still valid
    quote("Q4", status="ACCEPTED", total="1000.00"),
    quote("Q5", status="DECLINED", total="7.00"),
    quote("Q6", status="INVOICED", total="8.00"),
    quote("Q7", status="DELETED", total="9.00"),
]  # fmt: skip


def details(**options):
    options.setdefault("today", TODAY)
    options.setdefault("as_of", AS_OF)
    options.setdefault("base_currency", "NZD")
    return summarise(INVOICES, QUOTES, **options)


def test_the_five_figures_match_the_hand_computed_example():
    summary = details().summary
    assert summary.open_quotes == Figure(3, Decimal("250.00"), expired_count=1)
    assert summary.outstanding_invoices == Figure(4, Decimal("435.00"))
    assert summary.overdue_invoices == Figure(2, Decimal("225.00"))
    assert summary.outstanding_bills == Figure(2, Decimal("70.50"))
    assert summary.overdue_bills == Figure(1, Decimal("50.50"))
    assert summary.base_currency == "NZD" and summary.as_of == AS_OF
    assert summary.unconverted_count == 0


def test_accepted_quotes_count_when_the_admin_says_so():
    summary = details(open_statuses=open_quote_statuses(include_accepted=True)).summary
    assert summary.open_quotes == Figure(4, Decimal("1250.00"), expired_count=1)


def test_statuses_that_can_never_be_open_are_refused():
    with pytest.raises(ValueError):
        details(open_statuses={"DRAFT", "INVOICED"})


def test_the_lists_show_each_document_in_its_own_currency_with_markers():
    result = details()
    assert [line.document_id for line in result.invoices] == ["I7", "I1", "I6", "I2"]  # oldest due
    assert [line.overdue for line in result.invoices] == [True, True, False, False]
    usd = next(line for line in result.invoices if line.document_id == "I2")
    assert (usd.currency_code, usd.total, usd.amount_due, usd.base_amount) == (
        "USD",
        Decimal("300.00"),
        Decimal("120.00"),
        Decimal("200.00"),
    )
    assert [(b.document_id, b.kind, b.overdue) for b in result.bills] == [
        ("B1", "bill", True),
        ("B2", "bill", False),
    ]
    assert [(q.document_id, q.expired) for q in result.quotes] == [
        ("Q2", True),  # expired ones lead: they need chasing
        ("Q1", False),
        ("Q3", False),
    ]
    q2 = result.quotes[0]
    assert (q2.currency_code, q2.total, q2.amount_due, q2.due_date) == (
        "USD",
        Decimal("60.00"),
        None,
        date(2026, 3, 10),
    )


def test_a_contact_with_nothing_has_zero_figures():
    result = summarise([], [], today=TODAY, as_of=AS_OF, base_currency="nzd")
    summary = result.summary
    for figure in (
        summary.open_quotes,
        summary.overdue_invoices,
        summary.outstanding_invoices,
        summary.overdue_bills,
        summary.outstanding_bills,
    ):
        assert figure.count == 0 and figure.total == Decimal("0.00") and figure.expired_count == 0
    assert summary.base_currency == "NZD"
    assert result.quotes == result.invoices == result.bills == ()


def test_overdue_depends_on_the_organisations_day_not_utcs():
    """Due 10 March; at 11:30 UTC on 10 March it is already 11 March in Auckland."""
    now = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    due_yesterday_in_nz = [invoice("X", due="10.00", due_date=date(2026, 3, 10))]
    sent = [quote("S", status="SENT", total="5.00", expiry=date(2026, 3, 10))]

    def figures(zone):
        today = today_in(zone, now)
        return summarise(due_yesterday_in_nz, sent, today=today, as_of=now, base_currency="NZD")

    nz, utc = figures("NEWZEALANDSTANDARDTIME").summary, figures("UTC").summary
    assert nz.overdue_invoices.count == 1 and nz.open_quotes.expired_count == 1
    assert utc.overdue_invoices.count == 0 and utc.open_quotes.expired_count == 0
    assert nz.outstanding_invoices == utc.outstanding_invoices == Figure(1, Decimal("10.00"))


def test_each_document_counts_once_keeping_the_newest_copy():
    older = invoice("D", due="100.00", updated_at=datetime(2026, 3, 1, tzinfo=UTC))
    newer = replace(older, amount_due=Decimal("40.00"), updated_at=datetime(2026, 3, 5, tzinfo=UTC))
    for documents in ([older, newer, older], [newer, older]):
        summary = summarise(documents, [], today=TODAY, as_of=AS_OF, base_currency="NZD").summary
        assert summary.outstanding_invoices == Figure(1, Decimal("40.00"))
    assert unique_documents([quote("Q"), quote("Q", total="3")], "quote_id")[0].total == 0


def test_company_panels_combine_contacts_each_once_and_nothing_else():
    documents = [
        invoice("A1", due="10.00", contact_id=ACME),
        invoice("A1", due="10.00", contact_id=ACME),  # fetched twice
        invoice("B1", due="20.00", contact_id=BETA),
        invoice("O1", due="400.00", contact_id=OTHER),
    ]
    quotes = [quote("QA", total="1.00"), quote("QO", total="2.00", contact_id=OTHER)]
    summary = summarise(
        documents,
        quotes,
        today=TODAY,
        as_of=AS_OF,
        base_currency="NZD",
        contact_ids=[ACME, BETA.upper(), ACME, ""],
    ).summary
    assert summary.outstanding_invoices == Figure(2, Decimal("30.00"))
    assert summary.open_quotes == Figure(1, Decimal("1.00"))


def test_sums_round_once_per_figure_not_per_document():
    thirds = [invoice(f"T{i}", due="1.00", currency="USD", rate=Decimal("3")) for i in range(3)]
    result = summarise(thirds, [], today=TODAY, as_of=AS_OF, base_currency="NZD")
    assert result.summary.outstanding_invoices.total == Decimal("1.00")
    assert [line.base_amount for line in result.invoices] == [Decimal("0.33")] * 3


def test_foreign_documents_without_a_rate_are_summed_one_to_one_and_flagged():
    documents = [
        invoice("F", due="10.00", currency="USD", rate=None),
        invoice("N", due="5.00", currency="NZD", rate=None),  # base currency: nothing to convert
    ]
    summary = summarise(documents, [], today=TODAY, as_of=AS_OF, base_currency="NZD").summary
    assert summary.outstanding_invoices.total == Decimal("15.00")
    assert summary.unconverted_count == 1


def test_authorised_invoices_with_nothing_due_and_credit_types_drop_out():
    documents = [
        invoice("Z", due="0.00", total="10.00"),
        invoice("N", due="-5.00"),
        invoice("C", type="ACCRECCREDIT", due="5.00"),
    ]
    summary = summarise(documents, [], today=TODAY, as_of=AS_OF, base_currency="NZD").summary
    assert summary.outstanding_invoices == Figure(0, Decimal("0.00"))


def test_one_contact_needs_exactly_two_calls():
    fetches = plan_summary_fetches([ACME])
    assert [f.endpoint for f in fetches] == ["Invoices", "Quotes"]
    assert dict(fetches[0].params) == {
        "ContactIDs": ACME,
        "Statuses": "AUTHORISED,DRAFT",
        "summaryOnly": "true",
        "pageSize": "1000",
        "page": "1",
    }
    assert dict(fetches[1].params) == {"ContactID": ACME, "page": "1"}  # DRAFT+SENT: no filter


def test_company_plans_one_invoice_call_for_all_contacts_and_a_quote_call_each():
    fetches = plan_summary_fetches([BETA, ACME.upper(), ACME, " ", BETA])
    assert dict(fetches[0].params)["ContactIDs"] == f"{ACME},{BETA}"
    assert [dict(f.params)["ContactID"] for f in fetches[1:]] == [ACME, BETA]
    assert plan_summary_fetches([BETA, ACME])[0].key == fetches[0].key  # stable cache key


def test_a_single_open_status_is_sent_as_a_filter():
    (_, quotes) = plan_summary_fetches([ACME], open_statuses={"SENT"})
    assert dict(quotes.params)["Status"] == "SENT"


def test_no_contacts_need_no_calls():
    assert plan_summary_fetches([]) == []
    assert plan_summary_fetches(["", None]) == []


def test_very_large_companies_split_contact_ids_into_bounded_invoice_calls():
    many = [f"{i:08d}-0000-0000-0000-000000000000" for i in range(120)]
    fetches = plan_summary_fetches(many)
    invoice_calls = [f for f in fetches if f.endpoint == "Invoices"]
    assert [len(dict(f.params)["ContactIDs"].split(",")) for f in invoice_calls] == [50, 50, 20]
    assert sorted(i for f in invoice_calls for i in dict(f.params)["ContactIDs"].split(",")) == many
    assert sum(f.endpoint == "Quotes" for f in fetches) == 120


def test_draft_invoices_and_bills_are_listed_apart_and_never_change_the_figures():
    owed = [
        invoice("A", due="100.00", due_date=date(2026, 3, 1)),
        invoice("B", type="ACCPAY", due="40.00"),
    ]
    drafts = [
        invoice("D1", status="DRAFT", due="500.00", total="500.00", currency="USD", rate=None),
        replace(invoice("D2", status="DRAFT", total="9.00"), invoice_number=None),
        invoice("D3", type="ACCPAY", status="DRAFT", due="70.00", due_date=date(2026, 1, 1)),
        invoice("D4", status="DRAFT", due="5.00", contact_id=OTHER),  # another contact's
        invoice("S", status="SUBMITTED", due="8.00"),  # neither owed nor a draft: nowhere
    ]
    alone = summarise(owed, [], today=TODAY, as_of=AS_OF, base_currency="NZD", contact_ids=[ACME])
    both = summarise(
        owed + drafts, [], today=TODAY, as_of=AS_OF, base_currency="NZD", contact_ids=[ACME]
    )
    assert both.summary == alone.summary  # figures, and no unconverted warning for the USD draft
    assert both.summary.outstanding_invoices == Figure(1, Decimal("100.00"))
    assert both.summary.overdue_bills == Figure(0, Decimal("0.00"))
    assert (both.invoices, both.bills) == (alone.invoices, alone.bills)
    assert sorted(line.document_id for line in both.draft_invoices) == ["D1", "D2"]
    assert [line.document_id for line in both.draft_bills] == ["D3"]
    usd = next(line for line in both.draft_invoices if line.document_id == "D1")
    assert (usd.kind, usd.status, usd.total, usd.currency_code) == (
        "invoice",
        "DRAFT",
        Decimal("500.00"),
        "USD",
    )
    assert usd.base_amount == Decimal("0") and not usd.overdue
    bill = both.draft_bills[0]
    assert bill.kind == "bill" and not bill.overdue  # a draft past its due date is not overdue
    assert alone.draft_invoices == alone.draft_bills == ()


def test_the_invoices_call_also_brings_drafts_so_they_can_be_listed():
    (invoices, _quotes) = plan_summary_fetches([ACME])
    assert dict(invoices.params)["Statuses"].split(",") == ["AUTHORISED", "DRAFT"]
