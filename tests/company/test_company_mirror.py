"""The company panel once the organisation mirror is ready: figures over its linked contacts
against arithmetic on the sandbox's stored documents, credit available, View details with All
documents, suggestions, search and linking its people, all with 0 Xero calls."""

import re
from decimal import Decimal

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
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import Figures, stored
from tests.panels.rows import credit_row


def test_company_figures_from_the_mirror_with_no_xero_call(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    tenant = fill_mirror(server, workspace.id, NZ)
    ids = contacts_with_documents(server)[:40]
    people = [person(name=f"Member {n}") for n in range(len(ids))]
    record = company_record(people, name="Mirror Holdings")
    link_directly(server, workspace, {p["id"]: x for p, x in zip(people, ids, strict=True)})
    add_rows(server, credit_row(workspace.id, tenant, ids[0], remaining="12.34"),
             credit_row(workspace.id, tenant, ids[1], remaining="0.66"))  # fmt: skip
    mark = server.meter.mark()
    panel = open_group_panel(server, workspace, record, admin=True)
    answer = panel.get("/company/summary")
    assert answer.status_code == 200, answer.text[:500]
    shown = Figures(answer.text).figures
    expected = figures_for(server, NZ, ids, org_today(server, NZ))
    assert shown == expected
    credits = Figures(answer.text).credits
    assert (credits["sales_credit"]["count"], credits["sales_credit"]["total"]) == (
        2,
        Decimal("13.00"),
    )
    details = panel.get("/company/details")
    assert details.status_code == 200 and "All documents" in details.text
    listed = panel.get("/company/documents", kind="invoices", status="all")
    assert listed.status_code == 200 and len(re.findall(r'<tr class="document', listed.text)) == 25
    assert server.meter.since(mark) == []


def test_company_suggestions_and_people_linking_from_the_mirror(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    fill_mirror(server, workspace.id, NZ)
    xero = next(c for c in stored(server, NZ, "contact") if c.get("EmailAddress"))
    domain = xero["EmailAddress"].split("@", 1)[1]
    people = [person(name="Pat Example", email=f"pat@{domain}")]
    record = company_record(people, name=xero["Name"])
    mark = server.meter.mark()
    panel = open_group_panel(server, workspace, record)
    suggestions = panel.get("/company/suggestions")
    assert suggestions.status_code == 200
    assert (
        re.search(r'data-xero-contact-id="([^"]+)"', suggestions.text).group(1) == xero["ContactID"]
    )
    assert "Same name" in suggestions.text
    search = panel.get("/company/search", q=xero["Name"][:5])
    assert xero["ContactID"] in search.text
    choices = panel.get("/company/people/choices", crm_contact_id=people[0]["id"])
    assert choices.status_code == 200 and xero["ContactID"] in choices.text
    linked = link_person(panel, people[0]["id"], xero["ContactID"])
    assert linked.status_code == 200
    assert server.meter.since(mark) == []
