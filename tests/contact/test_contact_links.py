"""Links on SQLite and PostgreSQL: one Xero contact per CRM contact, kept per workspace AND Xero
organisation, audited, surviving a restart; and the link/unlink round trip over HTTP."""

import contextlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_test_app, serve
from tests.connection.support import connect_organisation, new_workspace
from tests.contact.support import NZ, ContactServer, OffsetClock, open_panel, person_record, stored
from widget.auth.clock import utcnow
from widget.auth.models import AuditEntry, User
from widget.auth.workspaces import create_workspace
from widget.contact import links
from widget.contact.models import ContactLink
from widget.db import get_session

XERO_A = "11111111-1111-4111-8111-111111111111"
XERO_B = "22222222-2222-4222-8222-222222222222"


def _workspace_and_user(app, workspace_id: str) -> int:
    with app.app_context():
        db = get_session()
        create_workspace(db, "Links CRM", ["https://crm.example.com"], workspace_id)
        db.flush()
        user = User(
            workspace_id=workspace_id,
            crm_user_id="rep-1",
            name="Rita Rep",
            access="edit",
            first_seen_at=utcnow(),
            last_seen_at=utcnow(),
        )
        db.add(user)
        db.commit()
        return user.id


def test_links_are_kept_per_workspace_and_organisation_audited_and_survive_a_restart(
    db_app, database_url, sandbox_database_url
):
    user_id = _workspace_and_user(db_app, "ws-links")
    _workspace_and_user(db_app, "ws-other")
    ours = links.LinkKey("ws-links", "tenant-nz", "crm-7")
    with db_app.app_context():
        db = get_session()
        user = db.get(User, user_id)
        links.link(db, ours, XERO_A, "Acme Ltd", user)
        db.commit()
        links.link(db, ours, XERO_B, "Acme Holdings", user)  # re-link: still one row
        db.commit()
        assert db.scalar(select(func.count()).select_from(ContactLink)) == 1
        # the same CRM contact id under another organisation or workspace is another link
        assert links.find(db, links.LinkKey("ws-links", "tenant-uk", "crm-7")) is None
        assert links.find(db, links.LinkKey("ws-other", "tenant-nz", "crm-7")) is None
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.workspace_id == "ws-links")
        ).all()
        assert actions == ["link.create", "link.change"]

    restarted = make_test_app(database_url, sandbox_database_url)  # a new process, same database
    try:
        with restarted.app_context():
            db = get_session()
            row = links.find(db, ours)
            assert (row.xero_contact_id, row.xero_contact_name) == (XERO_B, "Acme Holdings")
            assert links.unlink(db, ours, db.get(User, user_id)) == XERO_B
            db.commit()
            assert links.find(db, ours) is None
            assert links.unlink(db, ours, None) is None  # nothing left to unlink
    finally:
        restarted.extensions["db_engine"].dispose()


def test_the_database_allows_one_link_per_crm_contact(db_app):
    _workspace_and_user(db_app, "ws-unique")
    with db_app.app_context():
        db = get_session()
        for xero_id in (XERO_A, XERO_B):
            db.add(
                ContactLink(
                    workspace_id="ws-unique",
                    tenant_id="t",
                    crm_contact_id="crm-1",
                    xero_contact_id=xero_id,
                    xero_contact_name="",
                    linked_at=func.now(),
                )
            )
        with pytest.raises(IntegrityError):
            db.commit()


def test_link_and_unlink_over_http(db_app):
    """The panel's round trip on each database, with the sandbox as Xero."""
    with contextlib.contextmanager(serve)(db_app) as live:
        server = ContactServer(live.url, db_app, None, OffsetClock())
        workspace = new_workspace(db_app)
        connect_organisation(server, workspace, server.org(NZ).tenant_id)
        contact = next(c for c in stored(server, NZ, "contact") if c.get("EmailAddress"))
        record = person_record(name="Over HTTP")
        panel = open_panel(server, workspace, record)
        linked = panel.post("/contact/link", {"xero_contact_id": contact["ContactID"]})
        assert linked.status_code == 200 and 'data-state="linked"' in linked.text
        assert 'data-state="linked"' in open_panel(server, workspace, record).page.text
        unlinked = panel.post("/contact/unlink")
        assert 'data-state="unlinked"' in unlinked.text
        with db_app.app_context():
            actions = (
                get_session()
                .scalars(
                    select(AuditEntry.action)
                    .where(
                        AuditEntry.workspace_id == workspace.id, AuditEntry.action.like("link.%")
                    )
                    .order_by(AuditEntry.id)
                )
                .all()
            )
        assert actions == ["link.create", "link.remove"]
