"""Connecting Xero from the admin panel, driven over HTTP like the browser and the popup do:
start → Xero's consent (the sandbox) → callback → (pick) → status; on SQLite and PostgreSQL."""

import html
import logging
import re
from datetime import timedelta

import pytest
import requests
from flask import render_template
from sqlalchemy import select, text

from tests.connection.support import (
    connection_row,
    consent,
    launch,
    new_workspace,
    query_of,
    start_connect,
    stored_tokens,
)
from widget.auth.models import AuditEntry
from widget.connection.models import PendingConnect
from widget.connection.status import problem_of
from widget.connection.tokens import unseal
from widget.db import get_session

start = start_connect


def status(server, admin, **params) -> str:
    answer = admin.get(f"{server.url}/admin/xero/status", params=params, timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def organisations(server):
    return server.app.extensions["sandbox"].organisations()


def audit_actions(server, workspace_id):
    with server.app.extensions["db_sessionmaker"]() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.subject, row.details) for row in rows]


def test_connecting_one_organisation_picks_it_and_shows_running(xero_server, caplog):
    caplog.set_level(logging.DEBUG)
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    before = status(xero_server, admin)
    assert "Disconnected" in before and "Connect to Xero" in before and "Disconnect<" not in before

    authorize_url = start(xero_server, admin)
    sent = query_of(authorize_url)
    assert authorize_url.startswith(f"{xero_server.sandbox_url}/login.xero.com/identity/connect/")
    assert sent["redirect_uri"] == f"{xero_server.url}/admin/xero/callback"
    assert sent["code_challenge_method"] == "S256" and len(sent["state"]) >= 43
    org = organisations(xero_server)[0]

    callback = consent(authorize_url, [org.tenant_id])
    popup = requests.get(callback, timeout=10)  # a top-level page: no panel session header

    assert popup.status_code == 200
    assert "Xero connected successfully" in popup.text and html.escape(org.name) in popup.text
    assert 'data-outcome="connected"' in popup.text
    assert f'data-origin="{xero_server.url}"' in popup.text  # postMessage's target origin
    after = status(xero_server, admin, connected="1")
    assert "Xero connected successfully" in after
    assert "Running" in after and html.escape(org.name) in after
    assert "Disconnect" in after and "Connect to Xero" not in after
    assert "second ago" in after or "seconds ago" in after  # Xero answered the first call
    assert re.search(r'xero-calls-left">\d[\d,]*<', after)  # from Xero's X-DayLimit-Remaining
    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.tenant_id, row.tenant_name) == ("running", org.tenant_id, org.name)
    assert row.xero_connection_id
    assert [a[:2] for a in audit_actions(xero_server, workspace.id)] == [
        ("xero.connected", org.tenant_id)
    ]

    # encrypted at rest: neither token appears in any column; and never in a log line
    tokens = stored_tokens(xero_server.app, workspace.id)
    with xero_server.app.extensions["db_engine"].connect() as db:
        raw = db.execute(
            text("SELECT * FROM xero_connections WHERE workspace_id = :w"), {"w": workspace.id}
        ).one()
    stored = " ".join(str(value) for value in raw)
    assert tokens.access_token not in stored and tokens.refresh_token not in stored
    assert tokens.access_token not in caplog.text and tokens.refresh_token not in caplog.text

    # the state was single use
    again = requests.get(callback, timeout=10)
    assert again.status_code == 400 and "already used" in again.text


def test_several_organisations_are_offered_in_the_popup(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    first, second = organisations(xero_server)[:2]
    callback = consent(start(xero_server, admin), [first.tenant_id, second.tenant_id])

    picker = requests.get(callback, timeout=10)

    assert picker.status_code == 200 and 'data-outcome="choose"' in picker.text
    assert html.escape(first.name) in picker.text and html.escape(second.name) in picker.text
    assert status(xero_server, admin).count("Disconnected") == 1  # nothing chosen yet
    state = query_of(callback)["state"]
    with xero_server.app.app_context():  # the tokens wait for the pick sealed, like the row's
        sealed = get_session().get(PendingConnect, state).tokens_encrypted
        waiting = unseal(sealed)
    assert waiting.access_token not in sealed and waiting.refresh_token not in sealed

    chosen = requests.post(
        f"{xero_server.url}/admin/xero/pick",
        data={"state": state, "tenant_id": second.tenant_id},
        timeout=10,
    )

    assert chosen.status_code == 200 and "Xero connected successfully" in chosen.text
    assert html.escape(second.name) in status(xero_server, admin)
    assert connection_row(xero_server.app, workspace.id).tenant_id == second.tenant_id
    replay = requests.post(
        f"{xero_server.url}/admin/xero/pick",
        data={"state": state, "tenant_id": first.tenant_id},
        timeout=10,
    )
    assert replay.status_code == 400
    assert connection_row(xero_server.app, workspace.id).tenant_id == second.tenant_id


def test_a_tampered_pick_is_refused_and_the_choice_stays_open(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    first, second, *_ = organisations(xero_server)
    callback = consent(start(xero_server, admin), [first.tenant_id, second.tenant_id])
    requests.get(callback, timeout=10)
    state = query_of(callback)["state"]
    pick = f"{xero_server.url}/admin/xero/pick"

    foreign = requests.post(pick, data={"state": state, "tenant_id": "not-offered"}, timeout=10)
    wrong_state = requests.post(
        pick, data={"state": "x" * 43, "tenant_id": first.tenant_id}, timeout=10
    )
    good = requests.post(pick, data={"state": state, "tenant_id": first.tenant_id}, timeout=10)

    assert foreign.status_code == 400 and "Choose one of the organisations" in foreign.text
    assert wrong_state.status_code == 400
    assert good.status_code == 200
    assert connection_row(xero_server.app, workspace.id).tenant_id == first.tenant_id


def test_refusing_consent_at_xero_says_so_and_connects_nothing(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    callback = consent(start(xero_server, admin), action="cancel")
    assert query_of(callback)["error"] == "access_denied"

    popup = requests.get(callback, timeout=10)

    assert popup.status_code == 200 and "access was not granted" in popup.text
    assert 'data-outcome="problem"' in popup.text
    assert "Disconnected" in status(xero_server, admin)
    with xero_server.app.extensions["db_sessionmaker"]() as session:
        assert session.get(PendingConnect, query_of(callback)["state"]) is None


@pytest.mark.parametrize(
    "params",
    [{}, {"code": "abc"}, {"state": "nope", "code": "abc"}, {"state": "s" * 500, "code": "c"}],
)
def test_a_callback_without_a_live_state_is_a_clear_400(xero_server, params):
    answer = requests.get(f"{xero_server.url}/admin/xero/callback", params=params, timeout=10)
    assert answer.status_code == 400
    assert "Start again from the admin page" in answer.text


def test_a_bad_code_ends_the_flow_with_a_message_not_a_500(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    state = query_of(start(xero_server, admin))["state"]

    answer = requests.get(
        f"{xero_server.url}/admin/xero/callback",
        params={"state": state, "code": "forged"},
        timeout=10,
    )

    assert answer.status_code == 502 and "did not accept the sign-in" in answer.text
    assert "Disconnected" in status(xero_server, admin)


def test_only_admins_start_and_disconnect(xero_server):
    workspace = new_workspace(xero_server.app)
    member = launch(xero_server, workspace, admin=False, user_id="u-rep")
    anonymous = requests.Session()

    for client, expected in ((member, 403), (anonymous, 401)):
        assert (
            client.post(f"{xero_server.url}/admin/xero/start", timeout=10).status_code == expected
        )
        assert (
            client.get(f"{xero_server.url}/admin/xero/status", timeout=10).status_code == expected
        )
        answer = client.post(f"{xero_server.url}/admin/xero/disconnect", timeout=10)
        assert answer.status_code == expected
    with xero_server.app.extensions["db_sessionmaker"]() as session:
        pending = session.scalars(
            select(PendingConnect).where(PendingConnect.workspace_id == workspace.id)
        ).all()
    assert pending == []


def test_a_consent_older_than_ten_minutes_is_refused(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    callback = consent(start(xero_server, admin))
    state = query_of(callback)["state"]
    with xero_server.app.extensions["db_sessionmaker"]() as session:
        pending = session.get(PendingConnect, state)
        pending.expires_at = pending.created_at - timedelta(seconds=1)
        session.commit()

    answer = requests.get(callback, timeout=10)

    assert answer.status_code == 400 and "has expired" in answer.text
    assert "Disconnected" in status(xero_server, admin)


def test_the_plain_message_partial_speaks_to_reps_and_admins(xero_server):
    workspace = new_workspace(xero_server.app)
    with xero_server.app.test_request_context():
        problem = problem_of(workspace.id)
        rep = render_template("connection/_problem.html", problem=problem, is_admin=False)
        admin = render_template("connection/_problem.html", problem=problem, is_admin=True)
    assert "Ask an admin of your CRM account" in rep
    assert "Connect it from the admin page" in admin
