"""What a company panel costs Xero, counted where Xero (the sandbox) answers: a company with 50
linked contacts at most 4 calls cold and none warm; open quotes fetched per status across the
organisation and shared by every company; one contact costs one Quotes call, not two."""

from urllib.parse import parse_qs

from tests.company.support import (
    NZ,
    company_record,
    contacts_with_documents,
    link_directly,
    open_group_panel,
    paths,
    person,
)
from tests.contact.support import Figures


def _company(server, workspace, ids, **fields):
    people = [person(name=f"Member {n}") for n in range(len(ids))]
    record = company_record(people, **fields)
    link_directly(server, workspace, {p["id"]: x for p, x in zip(people, ids, strict=True)})
    return record


def test_fifty_linked_contacts_cost_at_most_four_calls_cold_and_none_warm(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    ids = contacts_with_documents(server)[:50]
    record = _company(server, workspace, ids, name="Fifty Ltd")
    panel = open_group_panel(server, workspace, record)

    mark = meter.mark()
    cold = panel.get("/company/summary")
    calls = meter.since(mark)
    assert cold.status_code == 200
    assert len(calls) <= 4
    # the organisation too, unless connecting already fetched it into the panels' cache
    assert [p for p in paths(calls) if p != "Organisation"] == ["Invoices", "Quotes", "Quotes"]
    invoices = parse_qs(next(c.query for c in calls if c.path == "Invoices"))
    assert sorted(invoices["ContactIDs"][0].split(",")) == sorted(ids)  # all 50 in one call
    assert invoices["Statuses"] == ["AUTHORISED"] and invoices["summaryOnly"] == ["true"]
    quotes = [parse_qs(c.query) for c in calls if c.path == "Quotes"]
    assert sorted(q["Status"][0] for q in quotes) == ["DRAFT", "SENT"]
    assert all("ContactID" not in q for q in quotes)  # across the organisation, not per contact

    mark = meter.mark()
    relaunched = open_group_panel(server, workspace, record, user_id="rep-2")
    warm = relaunched.get("/company/summary")
    details = relaunched.get("/company/details")
    assert meter.since(mark) == []
    assert 'data-figure="outstanding_invoices"' in relaunched.page.text  # rendered at once
    assert Figures(warm.text).figures == Figures(cold.text).figures
    assert details.status_code == 200

    # another company of the organisation shares the open quotes: one Invoices call
    others = contacts_with_documents(server)[50:60]
    second = open_group_panel(server, workspace, _company(server, workspace, others))
    mark = meter.mark()
    assert second.get("/company/summary").status_code == 200
    assert paths(meter.since(mark)) == ["Invoices"]

    # Refresh fetches everything afresh (the organisation stays cached for hours)
    mark = meter.mark()
    assert panel.get("/company/summary", refresh="1").status_code == 200
    assert paths(meter.since(mark)) == ["Invoices", "Quotes", "Quotes"]


def test_figures_expire_after_their_time_to_live(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    panel = open_group_panel(
        server, workspace, _company(server, workspace, contacts_with_documents(server)[60:70])
    )
    panel.get("/company/summary")
    server.cache_clock.advance(server.app.config["CONTACT_FIGURES_TTL"] + 1)
    mark = meter.mark()
    panel.get("/company/summary")
    assert paths(meter.since(mark)) == ["Invoices", "Quotes", "Quotes"]


def test_a_company_with_one_linked_contact_fetches_its_quotes_alone(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    xero_id = contacts_with_documents(server)[70]
    record = company_record([person()], name="Solo Ltd")
    link_directly(server, workspace, {("company", record["id"]): xero_id})
    panel = open_group_panel(server, workspace, record)
    panel.get("/company/summary")  # the organisation, once
    server.cache_clock.advance(server.app.config["CONTACT_FIGURES_TTL"] + 1)
    mark = meter.mark()
    assert panel.get("/company/summary").status_code == 200
    calls = meter.since(mark)
    assert paths(calls) == ["Invoices", "Quotes"]
    assert parse_qs(next(c.query for c in calls if c.path == "Quotes"))["ContactID"] == [xero_id]


def test_a_company_with_no_linked_contact_calls_nothing(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    mark = meter.mark()
    panel = open_group_panel(server, workspace, company_record([person()]))
    summary = panel.get("/company/summary")
    assert summary.status_code == 200 and 'data-state="no-links"' in summary.text
    assert 'data-state="no-links"' in panel.page.text
    assert [c.path for c in meter.since(mark)] == []


def test_a_new_document_for_a_covered_contact_makes_the_company_fetch_again(group_server):
    """What the drafts do after creating a document (ContactXero.forget_documents): companies
    and deals covering that contact fetch again, and show it."""
    from datetime import date

    from widget.connection.service import client_for
    from widget.contact.service import ContactXero
    from widget.xero import LineItemDraft, QuoteDraft

    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    ids = contacts_with_documents(server)[80:83]
    panel = open_group_panel(server, workspace, _company(server, workspace, ids))
    before = Figures(panel.get("/company/summary").text).figures["open_quotes"]
    tenant_id = server.org(NZ).tenant_id
    with server.app.test_request_context(base_url=server.url):
        draft = QuoteDraft(
            contact_id=ids[1],
            date=date(2026, 11, 20),
            line_items=[LineItemDraft(description="Extra", quantity=1, unit_amount=100)],
        )
        client_for(workspace.id).create_quote(draft, idempotency_key="company-refresh-quote-1")
        ContactXero(workspace.id, tenant_id, make_client=lambda: None).forget_documents(ids[1])
    mark = meter.mark()
    after = Figures(panel.get("/company/summary").text).figures["open_quotes"]
    assert paths(meter.since(mark)) == ["Invoices", "Quotes", "Quotes"]
    assert after["count"] == before["count"] + 1
