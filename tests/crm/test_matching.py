"""Matching CRM contacts against mirrored Xero contacts, and the admin's review: each reason in
its order, exact vs likely, archived and merged contacts, the review's filters and paging, accept
all exact in one action, accept one (or an alternative), refusals; on SQLite and PostgreSQL, with
0 Xero calls (no Xero is even reachable here)."""

import re

import pytest
from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from tests.crm.signed import signed_put
from widget.auth import audit
from widget.auth.clock import utcnow
from widget.connection.models import XeroConnection
from widget.contact.models import ContactLink
from widget.crm.matching import match_all
from widget.crm.models import CrmContact
from widget.db import get_session
from widget.mirror.models import MirrorContact, MirrorState
from widget.suggest import email_key, name_key

TENANT = "tenant-nz"


def xero(
    contact_id,
    name,
    email=None,
    *,
    persons=(),
    status="ACTIVE",
    merged_to=None,
    first=None,
    last=None,
):
    return MirrorContact(
        workspace_id="", tenant_id=TENANT, contact_id=contact_id, name=name, first_name=first,
        last_name=last, email_address=email, name_key=name_key(name), email_key=email_key(email),
        contact_status=status, is_customer=True, is_supplier=False,
        merged_to_contact_id=merged_to,
        contact_persons=[{"first_name": "P", "email_address": e} for e in persons],
    )  # fmt: skip


def crm(crm_id, name, email="", company="", first="", last=""):
    return CrmContact(
        crm_id=crm_id, name=name, email=email, company=company, first_name=first, last_name=last
    )


XERO = [
    xero("x-1", "Bloggs Ltd", "accounts@bloggs.example", persons=["jo@bloggs.example"]),
    xero("x-2", "Ann Smith", "ann@smith.example"),
    xero("x-3", "Ann Smith (old)", "ann@smith.example", status="ARCHIVED"),
    xero("x-4", "Kim Lee", "kim@gmail.com"),
    xero("x-5", "Old Kim Lee", "kim.old@lee.example", merged_to="x-4"),
    xero("x-6", "Harbour Cafe Limited", "hello@harbourcafe.example"),
    xero("x-7", "Twin One", "twins@same.example"),
    xero("x-8", "Twin Two", "twins@same.example"),
    xero("x-9", "Jonathan Smithers", None, first="Jonathan", last="Smithers"),
]


def test_each_reason_in_its_order():
    crms = [
        crm("c-1", "Jo Bloggs", "JO@bloggs.example"),  # contact person email: exact
        crm("c-2", "A. Smith", "ann@smith.example"),  # email (archived duplicate ignored)
        crm("c-3", "Lee Kim"),  # same name, any word order
        crm("c-4", "Someone", "someone@other.example", company="Harbour Cafe Ltd"),  # company
        crm("c-5", "New Person", "new@harbourcafe.example"),  # domain
        crm("c-6", "Jonathon Smithers"),  # similar name (typo)
        crm("c-7", "Twin", "twins@same.example"),  # one email, two Xero contacts: likely
        crm("c-8", "Nobody Known", "nobody@gmail.com"),  # free-mail domain: no match
        crm("c-9", "Kim Lee Again", "kim.old@lee.example"),  # merged: its survivor
    ]
    proposals = {p.crm_id: p for p in match_all(crms, XERO, linked={})}
    summary = {
        crm_id: (p.category, p.reason, p.xero.contact_id if p.xero else None)
        for crm_id, p in proposals.items()
    }
    assert summary == {
        "c-1": ("exact", "person_email", "x-1"),
        "c-2": ("exact", "email", "x-2"),
        "c-3": ("likely", "name", "x-4"),
        "c-4": ("likely", "company", "x-6"),
        "c-5": ("likely", "domain", "x-6"),
        "c-6": ("likely", "similar", "x-9"),
        "c-7": ("likely", "email", "x-7"),
        "c-8": ("none", "", None),
        "c-9": ("exact", "email", "x-4"),
    }
    assert proposals["c-2"].confidence == 100 and proposals["c-1"].confidence == 95
    assert [a.contact_id for a in proposals["c-7"].alternatives] == ["x-8"]
    assert proposals["c-7"].confidence <= 70
    assert 60 <= proposals["c-6"].confidence < 80
    assert proposals["c-2"].reason_label == "Same email"


def test_linked_contacts_are_not_matched_again():
    from widget.crm.matching import XeroCandidate

    linked = {"c-2": XeroCandidate("x-2", "Ann Smith")}
    (proposal,) = match_all([crm("c-2", "Ann", "ann@smith.example")], XERO, linked)
    assert (proposal.category, proposal.xero.contact_id) == ("linked", "x-2")


def _ready_workspace(app, tenant, contacts=XERO) -> None:
    now = utcnow()
    with app.app_context():
        db = get_session()
        db.add(XeroConnection(workspace_id=tenant.id, tenant_id=TENANT, tenant_name="Demo NZ",
                              status="running", updated_at=now, connected_at=now))  # fmt: skip
        db.add(MirrorState(workspace_id=tenant.id, tenant_id=TENANT, status="ready", cursor={},
                           documents_read=len(contacts), lease_token=0))  # fmt: skip
        for row in contacts:
            row.workspace_id = tenant.id
            db.merge(row)
        db.commit()


def _links(app, tenant) -> dict[str, str]:
    with app.app_context():
        query = select(ContactLink).where(ContactLink.workspace_id == tenant.id)
        return {row.crm_contact_id: row.xero_contact_id for row in get_session().scalars(query)}


PUSHED = {
    "contacts": [
        {"id": "c-1", "name": "Jo Bloggs", "email": "jo@bloggs.example"},
        {"id": "c-2", "name": "A. Smith", "email": "ann@smith.example"},
        {"id": "c-3", "name": "Lee Kim"},
        {"id": "c-7", "name": "Twin", "email": "twins@same.example"},
        {"id": "c-8", "name": "Nobody Known", "email": "nobody@gmail.com"},
    ]
}


def test_the_review_from_matching_to_links(db_app):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    waiting = admin.get("/admin/crm/matches").get_data(as_text=True)
    assert "Connect Xero first" in waiting and "Find matches" not in waiting
    _ready_workspace(db_app, tenant)
    assert signed_put(db_app.test_client(), tenant, "/api/crm/contacts", PUSHED).status_code == 200

    ran = admin.post("/admin/crm/matches/run").get_data(as_text=True)
    assert "Matched: 2 exact, 2 likely, 1 without a match, 0 already linked." in ran
    assert "Exact (2)" in ran and "Likely (2)" in ran and "No match (1)" in ran
    assert "Accept all 2 exact matches" in ran
    assert "Email of one of its contact persons · 95% sure" in ran

    likely = admin.get("/admin/crm/matches?show=likely").get_data(as_text=True)
    assert "Same name · 85% sure" in likely and "Kim Lee" in likely
    assert '<option value="x-8">Twin Two</option>' in likely  # an alternative to choose

    accepted = admin.post("/admin/crm/matches/accept-exact").get_data(as_text=True)
    assert "Linked 2 CRM contacts to their Xero contacts." in accepted
    assert _links(db_app, tenant) == {"c-1": "x-1", "c-2": "x-2"}
    assert "Exact (0)" in accepted and "Already linked (2)" in accepted

    chosen = admin.post(
        "/admin/crm/matches/accept",
        data={"crm_id": "c-7", "xero_contact_id": "x-8", "show": "likely"},
    )
    assert chosen.status_code == 200
    assert "Linked Twin to Xero contact Twin Two." in chosen.get_data(as_text=True)
    assert _links(db_app, tenant)["c-7"] == "x-8"

    # again: linked contacts stay linked, the rest is proposed afresh
    again = admin.post("/admin/crm/matches/run").get_data(as_text=True)
    assert "0 exact, 1 likely, 1 without a match, 3 already linked" in again
    with db_app.app_context():
        actions = [e.action for e in audit.entries(get_session(), tenant.id, per_page=100).entries]
    assert actions.count("link.create") == 3 and "crm.match.accept_exact" in actions
    assert actions.count("crm.match.run") == 2


@pytest.mark.parametrize(
    "form",
    [
        {"crm_id": "c-3", "xero_contact_id": "x-2"},  # not offered for c-3
        {"crm_id": "c-8", "xero_contact_id": "x-1"},  # no match at all
        {"crm_id": "nobody", "xero_contact_id": "x-1"},
        {"crm_id": "c\x00", "xero_contact_id": "x-1"},
        {"crm_id": "c-3", "xero_contact_id": ""},
    ],
)
def test_only_offered_contacts_can_be_accepted(db_app, form):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    _ready_workspace(db_app, tenant)
    signed_put(db_app.test_client(), tenant, "/api/crm/contacts", PUSHED)
    admin.post("/admin/crm/matches/run")
    refused = admin.post("/admin/crm/matches/accept", data=form)
    if "\x00" in form["crm_id"]:  # the request guard refuses NUL before any view
        assert refused.status_code == 400
    else:
        assert refused.status_code == 422 and "Not linked" in refused.get_data(as_text=True)
    assert _links(db_app, tenant) == {}


def test_an_archived_proposal_is_not_linked(auth_app):
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    _ready_workspace(auth_app, tenant)
    signed_put(auth_app.test_client(), tenant, "/api/crm/contacts", PUSHED)
    admin.post("/admin/crm/matches/run")
    with auth_app.app_context():  # archived in Xero after the matching ran
        db = get_session()
        db.get(MirrorContact, (tenant.id, TENANT, "x-2")).contact_status = "ARCHIVED"
        db.commit()
    body = admin.post("/admin/crm/matches/accept-exact").get_data(as_text=True)
    assert "Linked 1 CRM contacts" in body and _links(auth_app, tenant) == {"c-1": "x-1"}


def test_members_cannot_see_or_run_the_matching(auth_app, tenant):
    launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    editor = launch(auth_app, tenant, "contact", user_id="rep", access="edit")
    for method, path in (("GET", "/admin/crm/matches"), ("POST", "/admin/crm/matches/run"),
                         ("POST", "/admin/crm/matches/accept-exact")):  # fmt: skip
        assert editor.open(path, method).status_code == 403


def test_the_matching_waits_for_the_first_sync(auth_app):
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    _ready_workspace(auth_app, tenant)
    with auth_app.app_context():
        db = get_session()
        db.get(MirrorState, (tenant.id, TENANT)).status = "first_sync"
        db.commit()
    response = admin.post("/admin/crm/matches/run")
    assert response.status_code == 409
    assert re.search(r"once the first sync with Xero is done", response.get_data(as_text=True))


def test_accepting_all_keeps_a_link_a_rep_made_meanwhile(db_app):
    from widget.contact import links

    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    _ready_workspace(db_app, tenant)
    signed_put(db_app.test_client(), tenant, "/api/crm/contacts", PUSHED)
    admin.post("/admin/crm/matches/run")
    with db_app.app_context():
        db = get_session()
        links.link(db, links.LinkKey(tenant.id, TENANT, "c-1"), "x-6", "Harbour Cafe Limited", None)
        db.commit()
    body = admin.post("/admin/crm/matches/accept-exact").get_data(as_text=True)
    assert "Linked 1 CRM contacts" in body
    assert _links(db_app, tenant) == {"c-1": "x-6", "c-2": "x-2"}
    with db_app.app_context():
        entries = audit.entries(get_session(), tenant.id, per_page=100).entries
    created = [
        (e.subject, e.details["crm_contact_id"]) for e in entries if e.action == "link.create"
    ]
    assert sorted(created) == [("x-2", "c-2"), ("x-6", "c-1")]
