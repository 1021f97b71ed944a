"""Nothing crosses workspaces: a session of one workspace never reaches another's users, grants,
audit rows or Xero connection, whatever ids it sends."""

from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from widget.auth import audit
from widget.auth.clock import utcnow
from widget.auth.models import User
from widget.connection.models import XeroConnection
from widget.db import get_session


def _connect(app, tenant, organisation: str) -> None:
    with app.app_context():
        db = get_session()
        db.add(
            XeroConnection(
                workspace_id=tenant.id,
                tenant_id="tenant-" + tenant.id,
                tenant_name=organisation,
                status="running",
                updated_at=utcnow(),
                connected_at=utcnow(),
            )
        )
        db.commit()


def test_each_admin_sees_only_their_own_connection(db_app):
    ours, theirs = make_tenant(db_app), make_tenant(db_app)
    _connect(db_app, theirs, "Their Books Ltd")
    mine = launch(db_app, ours, "admin", user_id="boss", admin=True)
    other = launch(db_app, theirs, "admin", user_id="boss", admin=True)
    assert "Their Books Ltd" not in mine.get("/admin/xero/status").get_data(as_text=True)
    assert "Their Books Ltd" in other.get("/admin/xero/status").get_data(as_text=True)


def test_the_same_crm_user_id_is_a_different_user_in_each_workspace(auth_app):
    ours, theirs = make_tenant(auth_app), make_tenant(auth_app)
    launch(auth_app, theirs, "contact", user_id="rep-1", access="edit")
    member = launch(auth_app, ours, "contact", user_id="rep-1")
    assert member.get("/contact").status_code == 403  # their grant is not ours
    with auth_app.app_context():
        users = get_session().scalars(select(User).where(User.crm_user_id == "rep-1")).all()
        assert sorted((u.workspace_id, u.access) for u in users) == sorted(
            [(ours.id, "none"), (theirs.id, "edit")]
        )


def test_audit_pages_never_show_another_workspaces_rows(auth_app):
    ours, theirs = make_tenant(auth_app), make_tenant(auth_app)
    with auth_app.app_context():
        db = get_session()
        audit.record(db, theirs.id, None, "link.create", "xero-contact-secret-id")
        db.commit()
    admin = launch(auth_app, ours, "admin", user_id="boss", admin=True)
    for page in ("/admin", "/admin/audit", "/admin/audit?page=2"):
        assert "xero-contact-secret-id" not in admin.get(page).get_data(as_text=True)
