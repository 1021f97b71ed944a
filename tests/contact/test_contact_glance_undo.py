"""Unlink says what happened and offers Undo; Undo puts back the very same link (Xero contact,
name, who linked it and when), audited as link.restore, on SQLite and PostgreSQL. Undo is
refused for another user, another record, another workspace, after the window, and when the
record was linked to someone else meanwhile; a double press restores once."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from html import escape

from sqlalchemy import select, update

from tests.conftest import serve
from tests.connection.support import connect_organisation, new_workspace
from tests.contact.support import NZ, ContactServer, OffsetClock, open_panel, person_record, stored
from widget.auth.clock import utcnow
from widget.auth.models import AuditEntry
from widget.contact.models import ContactLink
from widget.db import get_session

UNDO = re.compile(r'<form class="undo-form" hx-post="([^"]+)"[^>]*>\s*<input type="hidden" '
                  r'name="undo" value="(\d+)">')  # fmt: skip


def _link_row(app, workspace_id: str, crm_id: str):
    with app.app_context():
        row = (
            get_session()
            .scalars(
                select(ContactLink).where(
                    ContactLink.workspace_id == workspace_id, ContactLink.crm_contact_id == crm_id
                )
            )
            .first()
        )
        return None if row is None else (row.xero_contact_id, row.xero_contact_name,
                                         row.linked_by_user_id, row.linked_at)  # fmt: skip


def _actions(app, workspace_id: str) -> list[tuple[str, str, dict]]:
    with app.app_context():
        entries = get_session().scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id, AuditEntry.action.like("link.%"))
            .order_by(AuditEntry.id)
        )
        return [(e.action, e.subject, dict(e.details or {})) for e in entries]


def test_unlink_then_undo_restores_the_same_link(db_app):
    with contextlib.contextmanager(serve)(db_app) as live:
        server = ContactServer(live.url, db_app, None, OffsetClock())
        workspace = new_workspace(db_app)
        connect_organisation(server, workspace, server.org(NZ).tenant_id)
        contact = next(c for c in stored(server, NZ, "contact") if c.get("EmailAddress"))
        record = person_record(name="Undo Me")
        panel = open_panel(server, workspace, record)
        assert panel.post("/contact/link", {"xero_contact_id": contact["ContactID"]}).ok
        before = _link_row(db_app, workspace.id, record["id"])

        unlinked = panel.post("/contact/unlink")
        assert unlinked.status_code == 200 and 'data-state="unlinked"' in unlinked.text
        assert f"Unlinked from {escape(contact['Name'])}." in unlinked.text
        assert '<hx-partial hx-target="#contact-notice"' in unlinked.text
        assert 'data-undo-seconds="10"' in unlinked.text
        action, entry_id = UNDO.search(unlinked.text).groups()
        assert action == "/contact/unlink/undo"
        assert _link_row(db_app, workspace.id, record["id"]) is None

        other = open_panel(server, workspace, person_record(name="Someone Else"), user_id="rep-2")
        refused = other.post(action, {"undo": entry_id})  # another user, another record
        assert refused.status_code == 404 and "nothing to undo" in refused.text
        for bad in ("", "x", "-1", "99999999999", "1e3"):
            assert panel.post(action, {"undo": bad}).status_code == 404

        restored = panel.post(action, {"undo": entry_id})
        assert restored.status_code == 200 and 'data-state="linked"' in restored.text
        assert f"Linked to {escape(contact['Name'])} again." in restored.text
        after = _link_row(db_app, workspace.id, record["id"])
        assert after[:3] == before[:3]
        assert abs(after[3].replace(tzinfo=None) - before[3].replace(tzinfo=None)) < timedelta(
            seconds=1
        )  # the same link: when it was first made, not now
        again = panel.post(action, {"undo": entry_id})  # a double press: restored once
        assert again.status_code == 200 and 'data-state="linked"' in again.text
        actions = _actions(db_app, workspace.id)
        assert [(a, s) for a, s, _ in actions] == [
            ("link.create", contact["ContactID"]),
            ("link.remove", contact["ContactID"]),
            ("link.restore", contact["ContactID"]),
        ]
        assert actions[2][2]["undoes"] == int(entry_id)
        assert actions[1][2]["xero_contact_name"] == contact["Name"]


def test_undo_is_refused_late_or_after_another_link(contact_server):
    server = contact_server
    workspace = server.connected_workspace(NZ)
    first, second = [c for c in stored(server, NZ, "contact") if c.get("EmailAddress")][:2]
    record = person_record(name="Late Undo")
    panel = open_panel(server, workspace, record)
    panel.post("/contact/link", {"xero_contact_id": first["ContactID"]})
    action, entry_id = UNDO.search(panel.post("/contact/unlink").text).groups()
    with server.app.app_context():  # the unlink happened 31 s ago: past the offer and grace
        session = get_session()
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == int(entry_id))
            .values(created_at=utcnow() - timedelta(seconds=31))
        )
        session.commit()
    late = panel.post(action, {"undo": entry_id})
    assert late.status_code == 409 and "Too late to undo" in late.text
    assert 'data-state="unlinked"' not in late.text  # the notice only; the body stays

    action, entry_id = UNDO.search(
        (panel.post("/contact/link", {"xero_contact_id": first["ContactID"]}),
         panel.post("/contact/unlink"))[1].text
    ).groups()  # fmt: skip
    panel.post("/contact/link", {"xero_contact_id": second["ContactID"]})
    meanwhile = panel.post(action, {"undo": entry_id})
    assert meanwhile.status_code == 409 and "another Xero contact meanwhile" in meanwhile.text
    assert _link_row(server.app, workspace.id, record["id"])[0] == second["ContactID"]

    elsewhere = server.connected_workspace(NZ)  # another workspace cannot name this entry
    stranger = open_panel(server, elsewhere, record)
    assert stranger.post(action, {"undo": entry_id}).status_code == 404


def test_view_only_members_cannot_undo(contact_server):
    server = contact_server
    workspace = server.connected_workspace(NZ)
    viewer = open_panel(server, workspace, person_record(name="Viewer"), access="view")
    assert viewer.post("/contact/unlink/undo", {"undo": "1"}).status_code == 403
