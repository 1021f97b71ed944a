"""Add contact after a lost answer (Xero saved the contact, then failed or answered too late):
the rep edits the name and presses again. The contact the first press created is recovered and
linked, the rep is told so plainly, and no second contact appears beside it; within Xero's
memory of the key and after it. A first press that saved nothing lets the edited form create."""

import re
import secrets

import pytest
from sqlalchemy import select

from tests.contact.support import NZ, open_panel, person_record, stored
from widget.auth.models import AuditEntry
from widget.contact.links import LinkKey, find

AFTER_WINDOW = 7  # minutes: past DRAFTS_KEY_WINDOW_SECONDS and Xero's 6-minute memory of keys


@pytest.fixture
def server(contact_server):
    yield contact_server
    contact_server.sandbox.clock.reset()
    contact_server.release(NZ)


def _panel(server):
    workspace = server.connected_workspace(NZ)
    suffix = secrets.token_hex(3)
    name = f"Rewi Alley{suffix}"
    record = person_record(name=name, email=f"rewi{suffix}@example.co.nz")
    panel = open_panel(server, workspace, record)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', panel.page.text).group(1)
    form = {"name": name, "email": record["email"], "idempotency_key": key}
    return workspace, record, panel, form


def _named(server, name: str) -> list[dict]:
    return [c for c in stored(server, NZ, "contact") if c["Name"] == name]


def _linked_to(server, workspace, record) -> str | None:
    with server.app.app_context(), server.app.extensions["db_sessionmaker"]() as session:
        link = find(session, LinkKey(workspace.id, server.org(NZ).tenant_id, record["id"]))
        return link.xero_contact_id if link is not None else None


def _audited(server, workspace, action: str) -> list[str]:
    with server.app.extensions["db_sessionmaker"]() as session:
        return list(
            session.scalars(
                select(AuditEntry.subject).where(
                    AuditEntry.workspace_id == workspace.id, AuditEntry.action == action
                )
            )
        )


@pytest.mark.parametrize("later", [False, True], ids=["within-key-window", "after-key-window"])
def test_a_lost_answer_then_an_edited_name_links_the_contact_xero_created(server, later):
    workspace, record, panel, form = _panel(server)
    server.sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    first = panel.post("/contact/new", form)
    assert first.status_code == 503, first.text[:800]
    created = _named(server, form["name"])
    assert len(created) == 1  # Xero did save it
    if later:
        server.sandbox.clock.advance(minutes=AFTER_WINDOW)

    edited = {**form, "name": form["name"] + " Ltd"}  # the rep changes the name, presses again
    again = panel.post("/contact/new", edited)
    assert again.status_code == 200, again.text[:800]
    assert 'data-state="linked"' in again.text
    assert _named(server, edited["name"]) == []  # no second contact beside the first
    assert len(_named(server, form["name"])) == 1
    assert _linked_to(server, workspace, record) == created[0]["ContactID"]
    notice = again.text.split('hx-target="#contact-notice"')[1]
    assert "created by your first press" in notice and form["name"] in notice
    assert _audited(server, workspace, "contact.create") == [created[0]["ContactID"]]


def test_a_first_press_that_saved_nothing_lets_the_edited_form_create(server):
    workspace, record, panel, form = _panel(server)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    assert panel.post("/contact/new", form).status_code == 503
    server.sandbox.faults.clear(server.org(NZ).tenant_id)
    server.sandbox.clock.advance(minutes=AFTER_WINDOW)
    edited = {**form, "name": form["name"] + " Ltd"}
    again = panel.post("/contact/new", edited)
    assert again.status_code == 200, again.text[:800]
    assert _named(server, form["name"]) == []
    made = _named(server, edited["name"])
    assert len(made) == 1 and _linked_to(server, workspace, record) == made[0]["ContactID"]


def test_pressing_again_after_success_links_the_same_contact_without_calling_xero(server):
    workspace, record, panel, form = _panel(server)
    assert panel.post("/contact/new", form).status_code == 200
    mark = server.meter.mark()
    again = panel.post("/contact/new", {**form, "name": form["name"] + " edited"})
    assert again.status_code == 200 and 'data-state="linked"' in again.text
    assert [c for c in server.meter.since(mark) if c.method == "PUT"] == []
    assert len(_named(server, form["name"])) == 1
    assert len(_audited(server, workspace, "link.create")) == 1  # linked once, audited once


def test_a_double_click_creates_one_contact_and_both_presses_link_it(server):
    import threading

    workspace, record, panel, form = _panel(server)
    server.sandbox.faults.set(NZ, latency_ms=300)  # both presses overlap the call to Xero
    answers: list = []
    threads = [
        threading.Thread(target=lambda: answers.append(panel.post("/contact/new", form)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [200, 200], answers[0].text[:500]
    assert all('data-state="linked"' in a.text for a in answers)
    made = _named(server, form["name"])
    assert len(made) == 1 and _linked_to(server, workspace, record) == made[0]["ContactID"]
