"""The admin page: connection section, access list with inline grants, audit log; admins only."""

import re

import pytest
from sqlalchemy import select

from tests.auth.fixtures import grant, launch, make_tenant
from widget.auth import audit
from widget.auth.models import AuditEntry, User
from widget.db import get_session


def _user(app, tenant, crm_user_id) -> User:
    with app.app_context():
        return (
            get_session()
            .scalars(
                select(User).where(User.workspace_id == tenant.id, User.crm_user_id == crm_user_id)
            )
            .one()
        )


def _audit_rows(app, tenant) -> list[AuditEntry]:
    with app.app_context():
        return audit.entries(get_session(), tenant.id, per_page=100).entries


def test_admins_see_connection_access_list_and_audit_log(auth_app, tenant):
    launch(auth_app, tenant, "contact", user_id="rep-9", name="Rita Rep", email="rita@acme.test")
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    body = admin.launch_response.get_data(as_text=True)
    assert admin.launch_response.status_code == 200
    section = re.search(r'<section id="xero-connection"[^>]*>', body).group(0)
    assert 'hx-get="/admin/xero/status"' in section and 'hx-trigger="load"' in section
    assert "Rita Rep" in body and "rita@acme.test" in body and "Bea Boss" in body
    assert 'hx-patch="/admin/users/' in body
    assert "Admin · edit" in body  # the admin's own row has no select
    assert 'id="audit-log"' in body


def test_members_get_403_naming_the_admins_to_ask(auth_app, tenant):
    launch(auth_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss", email="bea@x.nz")
    for access in (None, "view", "edit"):
        member = launch(auth_app, tenant, "admin", user_id=f"rep-{access}", access=access)
        body = member.launch_response.get_data(as_text=True)
        assert member.launch_response.status_code == 403
        assert "Only CRM admins" in body and "Bea Boss" in body and "bea@x.nz" in body


def test_a_member_without_access_is_told_whom_to_ask(auth_app):
    tenant = make_tenant(auth_app, name="Lonely CRM")
    first = launch(auth_app, tenant, "contact", user_id="rep-1").launch_response
    assert first.status_code == 403
    assert "Ask an admin of your CRM account (Lonely CRM)" in first.get_data(as_text=True)
    launch(auth_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    member = launch(auth_app, tenant, "contact", user_id="rep-1")
    body = member.launch_response.get_data(as_text=True)
    assert "Ask an admin of Lonely CRM" in body and "Bea Boss" in body
    as_json = member.get("/contact", headers={"Accept": "application/json"})
    assert as_json.status_code == 403
    assert as_json.json["admins"] == [{"name": "Bea Boss", "email": "boss@example.com"}]


def test_granting_access_swaps_the_row_confirms_and_audits(db_app):
    tenant = make_tenant(db_app)
    member = launch(db_app, tenant, "contact", user_id="rep-1", name="Rita Rep")
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    rita = _user(db_app, tenant, "rep-1")
    assert member.get("/contact").status_code == 403

    response = admin.patch(f"/admin/users/{rita.id}/access", data={"access": "view"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="user-{rita.id}"')
    assert '<option value="view" selected>' in body
    assert "Saved: Rita Rep now has view access." in body
    assert 'id="audit-log" hx-swap-oob="true"' in body
    assert "changed Rita Rep&#39;s access from No access to View" in body  # a sentence
    assert member.get("/contact").status_code == 200

    assert admin.post(f"/admin/users/{rita.id}/access", data={"access": "none"}).status_code == 200
    assert member.get("/contact").status_code == 403
    entries = _audit_rows(db_app, tenant)
    assert [(e.action, e.details["from"], e.details["to"]) for e in entries] == [
        ("access.revoke", "view", "none"),
        ("access.grant", "none", "view"),
    ]
    assert entries[0].actor == "Bea Boss" and entries[0].subject == "user rep-1"


def test_view_is_not_edit(auth_app, tenant):
    member = launch(auth_app, tenant, "contact", user_id="rep-v", access="view")
    assert member.get("/contact").status_code == 200
    assert _user(auth_app, tenant, "rep-v").access == "view"
    grant(auth_app, tenant, "rep-v", "edit")
    assert member.get("/contact").status_code == 200


def test_setting_the_same_grant_writes_no_audit_entry(auth_app, tenant):
    launch(auth_app, tenant, "contact", user_id="rep-1")
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    rita = _user(auth_app, tenant, "rep-1")
    assert admin.patch(f"/admin/users/{rita.id}/access", data={"access": "none"}).status_code == 200
    assert _audit_rows(auth_app, tenant) == []


@pytest.mark.parametrize("value", ["", "owner", "EDIT", "admin"])
def test_an_unknown_grant_is_a_400_and_changes_nothing(auth_app, tenant, value):
    launch(auth_app, tenant, "contact", user_id="rep-1")
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    rita = _user(auth_app, tenant, "rep-1")
    response = admin.patch(f"/admin/users/{rita.id}/access", data={"access": value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<li id="user-{rita.id}"')  # htmx swaps it back in place
    assert "Not saved: access must be one of none, view, edit" in body
    assert _user(auth_app, tenant, "rep-1").access == "none"


def test_an_admins_grant_cannot_be_changed(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    launch(auth_app, tenant, "admin", user_id="boss-2", admin=True)
    other_admin = _user(auth_app, tenant, "boss-2")
    response = admin.patch(f"/admin/users/{other_admin.id}/access", data={"access": "none"})
    assert response.status_code == 400
    assert "admins always have edit" in response.get_data(as_text=True)


def test_users_of_another_workspace_are_not_found(db_app):
    ours, theirs = make_tenant(db_app), make_tenant(db_app)
    launch(db_app, theirs, "contact", user_id="rep-1", name="Their Rep")
    launch(db_app, theirs, "admin", user_id="their-boss", admin=True)
    admin = launch(db_app, ours, "admin", user_id="boss", admin=True)
    victim = _user(db_app, theirs, "rep-1")
    for method in ("PATCH", "POST"):
        response = admin.open(f"/admin/users/{victim.id}/access", method, data={"access": "edit"})
        assert response.status_code == 404
    assert _user(db_app, theirs, "rep-1").access == "none"
    page = admin.get("/admin").get_data(as_text=True)
    assert "Their Rep" not in page
    assert _audit_rows(db_app, theirs) == [] and _audit_rows(db_app, ours) == []


def test_the_audit_log_is_paged_newest_first_and_per_workspace(db_app):
    tenant = make_tenant(db_app)
    other = make_tenant(db_app)
    with db_app.app_context():
        db = get_session()
        for number in range(25):
            audit.record(db, tenant.id, None, "test.event", f"thing {number:02d}")
        audit.record(db, other.id, None, "test.event", "not yours")
        db.commit()
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert first.count("test.event") == 20
    assert first.index("thing 24") < first.index("thing 23")
    assert "thing 04" not in first and "not yours" not in first
    assert 'hx-get="/admin/audit?page=2"' in first and "Newer" not in first
    second = admin.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count("test.event") == 5 and "thing 00" in second
    assert 'hx-get="/admin/audit?page=1"' in second and "Older" not in second
    assert admin.get("/admin/audit?page=-3").status_code == 200


def test_audit_record_refuses_an_actor_from_another_workspace(auth_app, tenant):
    other = make_tenant(auth_app)
    launch(auth_app, other, "admin", user_id="boss", admin=True)
    stranger = _user(auth_app, other, "boss")
    with auth_app.app_context(), pytest.raises(ValueError, match="belong to its workspace"):
        audit.record(get_session(), tenant.id, stranger, "access.grant")
