"""The pure parts of the company and deal panels: which Xero calls a group of contacts costs,
and how a company's Xero contact is suggested (by name, by its people's email domain)."""

import uuid

from tests.unit.test_suggest import contact
from widget.company.plan import (
    PER_CONTACT,
    PER_STATUS,
    plan_company_fetches,
    plan_deal_fetches,
    quote_strategy,
)
from widget.company.suggest import CrmCompany, company_of, plan_queries, suggest_for_company
from widget.suggest import Reason


def _ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=n + 1)) for n in range(count)]


def test_fifty_contacts_cost_one_invoices_call_and_one_quotes_call_per_open_status():
    plan = plan_company_fetches(_ids(50))
    assert plan.calls == 3 and plan.quote_strategy == PER_STATUS
    [invoices] = plan.invoices
    params = dict(invoices.params)
    assert sorted(params["ContactIDs"].split(",")) == sorted(_ids(50))
    assert params["Statuses"] == "AUTHORISED" and params["summaryOnly"] == "true"
    assert [dict(q.params) for q in plan.quotes] == [{"Status": "DRAFT"}, {"Status": "SENT"}]


def test_contact_ids_count_once_whatever_their_case_and_chunk_by_fifty():
    ids = _ids(51)
    plan = plan_company_fetches(ids + [i.upper() for i in ids] + ["", None])
    assert [len(dict(f.params)["ContactIDs"].split(",")) for f in plan.invoices] == [50, 1]
    assert plan.calls == 4


def test_one_contact_fetches_its_own_quotes_and_admins_accepted_status_adds_a_call():
    plan = plan_company_fetches(_ids(1))
    assert plan.quote_strategy == PER_CONTACT
    assert [dict(q.params) for q in plan.quotes] == [{"ContactID": _ids(1)[0]}]
    statuses = {"DRAFT", "SENT", "ACCEPTED"}
    assert quote_strategy(2, statuses) == PER_CONTACT  # two calls beat three
    assert quote_strategy(3, statuses) == PER_STATUS
    assert len(plan_company_fetches(_ids(10), statuses).quotes) == 3
    only_draft = plan_company_fetches(_ids(1), {"DRAFT"})
    assert only_draft.quote_strategy == PER_STATUS and only_draft.calls == 2
    assert plan_company_fetches([]).calls == 0


def test_a_deal_fetches_every_sales_invoice_and_each_contacts_quotes():
    plan = plan_deal_fetches(_ids(3))
    [invoices] = plan.invoices
    params = dict(invoices.params)
    assert params["where"] == 'Type=="ACCREC"' and "Statuses" not in params  # voided ones too
    assert [dict(q.params) for q in plan.quotes] == [{"ContactID": i} for i in _ids(3)]


def test_a_companys_domains_come_from_its_people_without_mail_providers():
    record = {
        "name": "  Acme   Widgets Ltd ",
        "email": "",
        "contacts": [
            {"id": "1", "email": "ana@acme.example"},
            {"id": "2", "email": "ben@ACME.example"},
            {"id": "3", "email": "cai@gmail.com"},
            {"id": "4", "email": "dee@acme-holdings.example"},
            {"id": "5", "email": "eve@third.example"},
            {"id": "6"},
        ],
    }
    company = company_of(record)
    assert company == CrmCompany("Acme Widgets Ltd", ("acme.example", "acme-holdings.example"))
    terms = plan_queries(company)
    assert terms == [
        ("Acme Widgets", Reason.COMPANY_NAME),
        ("acme.example", Reason.EMAIL_DOMAIN),
        ("acme-holdings.example", Reason.EMAIL_DOMAIN),
    ]
    assert plan_queries(CrmCompany("", ())) == []


def test_company_suggestions_rank_same_name_then_domain_then_similar_name():
    company = CrmCompany("Acme Widgets Ltd", ("acme.example",))
    candidates = [
        contact("similar", "Acme Widget Co", "x@other.example"),
        contact("domain", "Acme Logistics", "ops@acme.example"),
        contact("person-domain", "Holding Pty", "h@h.example", persons=["jo@ACME.example"]),
        contact("name", "ACME WIDGETS LIMITED", "info@elsewhere.example"),
        contact("archived", "Acme Widgets", "old@acme.example", status="ARCHIVED"),
        contact("merged", "Old Acme", "m@acme.example", merged_to="gone"),
        contact("unrelated", "Zebra Crossings", "z@zebra.example"),
    ]
    found = suggest_for_company(company, candidates)
    assert [(s.contact.contact_id, s.reason) for s in found] == [
        ("name", Reason.COMPANY_NAME),
        ("domain", Reason.EMAIL_DOMAIN),
        ("person-domain", Reason.EMAIL_DOMAIN),
        ("similar", Reason.SIMILAR_NAME),
    ]
    assert suggest_for_company(company, candidates, limit=1)[0].contact.contact_id == "name"
