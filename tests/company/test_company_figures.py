"""A company's figures over HTTP with the live sandbox, checked against arithmetic done here
from the sandbox's stored documents: its own Xero contact plus its people's linked Xero contacts,
each Xero contact counted once; View details lists every document, marked by contact."""

import re

from tests.company.expected import figures_for, org_today
from tests.company.support import (
    NZ,
    company_record,
    contacts_with_documents,
    link_directly,
    link_person,
    open_group_panel,
    person,
)
from tests.contact.support import UK, Figures


def test_company_figures_cover_its_own_and_its_peoples_xero_contacts_each_once(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    x1, x2, x3 = contacts_with_documents(server)[10:13]
    people = [person(name=n) for n in ("Ana", "Ben", "Cai", "Dee", "Eve")]
    record = company_record(people, name="Dedupe Holdings")
    # the company and Ana share one Xero contact; Ben and Cai share another; Eve is not linked
    link_directly(server, workspace, {("company", record["id"]): x1})
    panel = open_group_panel(server, workspace, record)
    for crm, xero_id in zip(people[:4], (x1, x2, x2, x3), strict=True):
        link_person(panel, crm["id"], xero_id)

    summary = panel.get("/company/summary")
    assert summary.status_code == 200
    assert 'data-contacts="3"' in summary.text
    expected = figures_for(server, NZ, {x1, x2, x3}, org_today(server, NZ))
    assert Figures(summary.text).figures == expected
    assert expected["outstanding_invoices"]["count"] + expected["outstanding_bills"]["count"] > 0

    details = panel.get("/company/details")
    rows = re.findall(
        r'<tr class="document[^"]*" data-number="([^"]+)"\s+data-contact="([^"]*)"', details.text
    )
    counted = sum(
        expected[name]["count"]
        for name in ("open_quotes", "outstanding_invoices", "outstanding_bills")
    )
    assert len(rows) == counted and len({number for number, _ in rows}) == counted
    assert all(contact for _, contact in rows)  # every document says whose it is
    assert len({contact for _, contact in rows}) >= 2


def test_a_company_of_fifty_linked_contacts_matches_the_arithmetic_in_two_currencies(group_server):
    """Many contacts at once, in the multi-currency organisation and in the UK one."""
    server = group_server
    for org_name in (NZ, UK):
        workspace = server.connected_workspace(org_name)
        ids = contacts_with_documents(server, org_name)[:50]
        people = [person(name=f"Member {n}") for n in range(len(ids))]
        record = company_record(people, name=f"Big {org_name}")
        link_directly(
            server, workspace, {p["id"]: x for p, x in zip(people, ids, strict=True)}, org_name
        )
        panel = open_group_panel(server, workspace, record, admin=True)
        answer = panel.get("/company/summary")
        assert answer.status_code == 200, answer.text[:500]
        expected = figures_for(server, org_name, ids, org_today(server, org_name))
        assert Figures(answer.text).figures == expected
        assert expected["open_quotes"]["count"] > 0 and expected["overdue_invoices"]["count"] > 0


def test_accepted_quotes_count_as_open_when_the_admin_says_so(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    with server.app.app_context():
        from widget.auth.models import Workspace
        from widget.db import get_session

        row = get_session().get(Workspace, workspace.id)
        row.settings = {**(row.settings or {}), "open_quotes_include_accepted": True}
        get_session().commit()
    ids = contacts_with_documents(server)[:20]
    people = [person() for _ in ids]
    record = company_record(people)
    link_directly(server, workspace, {p["id"]: x for p, x in zip(people, ids, strict=True)})
    panel = open_group_panel(server, workspace, record)
    answer = panel.get("/company/summary")
    statuses = ("DRAFT", "SENT", "ACCEPTED")
    expected = figures_for(server, NZ, ids, org_today(server, NZ), statuses)
    assert Figures(answer.text).figures == expected
