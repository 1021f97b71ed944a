"""The company's own link (suggest by name and email domain, search, create, link, unlink) and
its people linked in place, over HTTP with the sandbox; company links beside contact links on
SQLite and PostgreSQL, audited, surviving a restart."""

import html
import re

from sqlalchemy import func, select

from tests.company.support import (
    NZ,
    company_record,
    contacts_with_documents,
    link_person,
    open_group_panel,
    person,
    stored,
)
from tests.conftest import make_test_app
from widget.auth.models import AuditEntry
from widget.auth.workspaces import create_workspace
from widget.contact import links
from widget.contact.models import ContactLink
from widget.db import get_session
from widget.demo.records import directory
from widget.sandbox.crm_demo import demo_crm

XERO_A = "11111111-1111-4111-8111-111111111111"
XERO_B = "22222222-2222-4222-8222-222222222222"


def _suggested(text: str) -> list[tuple[str, str]]:
    """(Xero contact id, reason) of each suggestion row, in order."""
    rows = re.findall(
        r'data-xero-contact-id="([^"]+)".*?(?:badge-reason">([^<]*)<|</li>)', text, re.S
    )
    return [(contact_id, reason) for contact_id, reason in rows]


def _audit(server, workspace_id: str) -> list[tuple[str, str, dict]]:
    with server.app.app_context():
        rows = get_session().scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.subject, row.details or {}) for row in rows]


def test_companies_are_suggested_by_name_and_by_their_peoples_email_domain(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    crm, demo = directory(), demo_crm()
    expected = {  # which Xero contact each demo company was built to find, and why
        "crm-company-01": "Same name",
        "crm-company-02": "Same email domain",
        "crm-company-03": "Same name",
    }
    for company_id, reason in expected.items():
        record = crm.company_record(crm.company(company_id))
        # its people were built from that Xero contact (its persons, its domain, its name)
        xero_id = demo.person(demo.company(company_id).person_ids[0]).xero_contact_id
        panel = open_group_panel(server, workspace, record, user_id=f"rep-{company_id}")
        assert 'data-state="unlinked"' in panel.page.text
        answer = panel.get("/company/suggestions")
        assert answer.status_code == 200
        assert _suggested(answer.text)[0] == (xero_id, reason), (company_id, answer.text[:1500])
    nobody = open_group_panel(server, workspace, crm.company_record(crm.company("crm-company-05")))
    assert "No records found" in nobody.get("/company/suggestions").text


def test_search_link_unlink_and_create_the_companys_xero_contact(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    xero = next(c for c in stored(server, NZ, "contact") if not c.get("FirstName"))
    record = company_record([person()], name="Searchable Co")
    panel = open_group_panel(server, workspace, record)

    found = panel.get("/company/search", q=xero["Name"][:6])
    assert found.status_code == 200 and xero["ContactID"] in found.text
    assert "Type at least 2 characters" in panel.get("/company/search", q="a").text

    linked = panel.post("/company/link", {"xero_contact_id": xero["ContactID"]})
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    assert linked.headers["HX-Retarget"] == "#company-body"
    assert html.escape(xero["Name"]) in linked.text and ">Unlink<" in linked.text
    assert 'hx-get="/company/summary"' in linked.text  # its figures load next
    page = open_group_panel(server, workspace, record, user_id="rep-again").page
    assert 'data-state="linked"' in page.text  # stored, not just shown

    unlinked = panel.post("/company/unlink")
    assert unlinked.status_code == 200 and 'data-state="unlinked"' in unlinked.text

    refused = panel.post("/company/link", {"xero_contact_id": "not-a-guid"})
    assert refused.status_code == 400 and refused.headers["HX-Retarget"] == "#company-notice"
    missing = panel.post("/company/link", {"xero_contact_id": XERO_A})
    assert missing.status_code == 404 and "no longer exists" in missing.text

    form = {"name": "Brand New Company Ltd", "email": "accounts@brandnew.example"}
    created = panel.post("/company/new", {**form, "idempotency_key": "k" * 24})
    assert created.status_code == 200 and 'data-state="linked"' in created.text
    new_id = re.search(r'data-xero-contact-id="([^"]+)"', created.text).group(1)
    assert any(
        c["ContactID"] == new_id and c["Name"] == form["name"]
        for c in stored(server, NZ, "contact")
    )
    duplicate = panel.post("/company/new", {**form, "idempotency_key": "j" * 24})
    assert duplicate.status_code == 422 and 'aria-invalid="true"' in duplicate.text
    assert panel.post("/company/new", {"name": ""}).status_code == 422

    actions = [(a, s, d.get("record_type")) for a, s, d in _audit(server, workspace.id)]
    assert ("link.create", xero["ContactID"], "company") in actions
    assert ("link.remove", xero["ContactID"], "company") in actions
    assert ("contact.create", new_id, "company") in actions


def test_people_are_linked_in_place_and_only_the_records_own_people(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    ana, ben = person(name="Ana Aroha", email="ana@example.com"), person(name="Ben Bold")
    record = company_record([ana, ben], name="People Co")
    panel = open_group_panel(server, workspace, record)
    assert panel.page.text.count('data-linked="false"') == 2

    slot = re.search(r'hx-target="#person-choices-([0-9a-f]+)"', panel.page.text).group(1)
    choices = panel.get("/company/people/choices", crm_contact_id=ana["id"])
    assert choices.status_code == 200 and f'id="person-search-{slot}"' in choices.text
    xero_id = contacts_with_documents(server)[20]
    xero_name = next(c["Name"] for c in stored(server, NZ, "contact") if c["ContactID"] == xero_id)
    results = panel.get("/company/people/search", crm_contact_id=ana["id"], q=xero_name[:5])
    assert xero_id in results.text and 'name="crm_contact_id"' in results.text

    answer = link_person(panel, ana["id"], xero_id)
    assert answer.headers["HX-Retarget"] == "#company-body"
    assert answer.text.count('data-linked="true"') == 1
    assert f"Linked to {html.escape(xero_name)}" in answer.text
    assert 'hx-get="/company/summary"' in answer.text  # figures now cover her Xero contact

    # a CRM id that is not on this record is refused, never linked
    stranger = panel.post(
        "/company/people/link", {"crm_contact_id": "someone-else", "xero_contact_id": xero_id}
    )
    assert stranger.status_code == 404
    assert panel.get("/company/people/choices", crm_contact_id="someone-else").status_code == 404

    # her own contact panel sees the same link (one table for both)
    with server.app.app_context():
        key = links.LinkKey(workspace.id, server.org(NZ).tenant_id, ana["id"])
        assert links.find(get_session(), key).xero_contact_id == xero_id
    unlinked = panel.post("/company/people/unlink", {"crm_contact_id": ana["id"]})
    assert unlinked.status_code == 200 and 'data-linked="true"' not in unlinked.text


def test_company_and_contact_links_of_one_crm_id_coexist_audited_and_survive_a_restart(
    db_app, database_url, sandbox_database_url
):
    with db_app.app_context():
        db = get_session()
        create_workspace(db, "Links CRM", ["https://crm.example.com"], "ws-co-links")
        db.commit()
        company = links.LinkKey("ws-co-links", "tenant-nz", "crm-42", "company")
        contact = links.LinkKey("ws-co-links", "tenant-nz", "crm-42")
        links.link(db, company, XERO_A, "Acme Ltd", None)
        links.link(db, contact, XERO_B, "Jo Bloggs", None)
        db.commit()
        links.link(db, company, XERO_B, "Acme Holdings", None)  # re-link: still one row each
        db.commit()
        assert db.scalar(select(func.count()).select_from(ContactLink)) == 2
        details = [e.details for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert [d.get("record_type") for d in details] == ["company", None, "company"]

    restarted = make_test_app(database_url, sandbox_database_url)  # a new process, same database
    try:
        with restarted.app_context():
            db = get_session()
            assert links.find(db, company).xero_contact_name == "Acme Holdings"
            assert links.find(db, contact).xero_contact_id == XERO_B
            assert links.unlink(db, company, None) == XERO_B
            db.commit()
            assert links.find(db, company) is None and links.find(db, contact) is not None
    finally:
        restarted.extensions["db_engine"].dispose()
