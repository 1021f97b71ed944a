"""Connecting Xero from the admin panel, driven over HTTP like the browser and the popup do:
start → begin/bind (popup) → Xero's consent (the sandbox) → callback → complete (→ pick) in the
panel; on SQLite and PostgreSQL."""

import html
import logging
import re
from datetime import timedelta

import pytest
import requests
from flask import render_template
from sqlalchemy import select, text

from tests.connection.support import (
    bound_popup,
    complete,
    connection_row,
    consent,
    launch,
    new_workspace,
    query_of,
    start_connect,
    stored_tokens,
)
from widget.auth.models import AuditEntry
from widget.connection.models import PendingConnect, XeroConnection
from widget.connection.status import problem_of
from widget.connection.tokens import unseal_grant

start = start_connect


def status(server, admin) -> str:
    answer = admin.get(f"{server.url}/admin/xero/status", timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def pick(server, admin, state: str, tenant_id: str) -> requests.Response:
    data = {"state": state, "tenant_id": tenant_id}
    return admin.post(f"{server.url}/admin/xero/pick", data=data, timeout=10)


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


def pending(server, state: str) -> PendingConnect | None:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.get(PendingConnect, state)


def connected_tenant(server, workspace_id: str) -> str | None:
    """The tenant a workspace runs on now (None: nothing connected)."""
    with server.app.extensions["db_sessionmaker"]() as session:
        row = session.scalars(
            select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
        ).first()
    return row.tenant_id if row is not None and row.status == "running" else None


def signed_in(server, admin, tenant_ids: list[str]):
    """Start, bind the popup, consent at Xero and come back: the sign-in waits for the panel."""
    flow = start(server, admin)
    popup = bound_popup(server, flow)
    back = popup.get(consent(flow.authorize_url, tenant_ids), timeout=10)
    assert back.status_code == 200 and 'data-outcome="received"' in back.text, back.text
    return flow, back


def test_connecting_one_organisation_completes_in_the_panel_and_shows_running(xero_server, caplog):
    caplog.set_level(logging.DEBUG)
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    before = status(xero_server, admin)
    assert "Disconnected" in before and "Connect to Xero" in before and "Disconnect<" not in before

    flow = start(xero_server, admin)
    sent = query_of(flow.authorize_url)
    assert flow.authorize_url.startswith(
        f"{xero_server.sandbox_url}/login.xero.com/identity/connect/"
    )
    assert sent["redirect_uri"] == f"{xero_server.url}/admin/xero/callback"
    assert sent["code_challenge_method"] == "S256" and sent["state"] == flow.state
    assert len(flow.state) >= 43
    org = organisations(xero_server)[0]
    popup = bound_popup(xero_server, flow)
    callback = consent(flow.authorize_url, [org.tenant_id])

    back = popup.get(callback, timeout=10)  # a top-level page: no panel session header

    assert back.status_code == 200 and 'data-outcome="received"' in back.text
    assert "Return to the CRM window" in back.text and "Xero connected" not in back.text
    assert "popup.js" in back.text  # tells the opener, same origin only
    # the callback alone connects nothing: the grant waits, sealed, for the panel
    assert connected_tenant(xero_server, workspace.id) is None
    assert "Disconnected" in status(xero_server, admin)
    assert audit_actions(xero_server, workspace.id) == []
    sealed = pending(xero_server, flow.state).tokens_encrypted
    with xero_server.app.app_context():
        waiting = unseal_grant(sealed)
    assert [o.tenant_id for o in waiting.organisations] == [org.tenant_id]
    for secret in (waiting.tokens.access_token, waiting.tokens.refresh_token, org.name):
        assert secret not in sealed
    assert not [c for c in popup.cookies if c.name.startswith("xero_connect_")]  # dropped

    done = complete(xero_server, admin, flow.state)

    assert done.status_code == 200
    assert "Xero connected successfully" in done.text
    assert "Running" in done.text and html.escape(org.name) in done.text
    assert "Disconnect" in done.text and "Connect to Xero" not in done.text
    assert "second ago" in done.text or "seconds ago" in done.text  # Xero answered the first call
    assert re.search(r'xero-calls-left">\d[\d,]*<', done.text)  # from X-DayLimit-Remaining
    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.tenant_id, row.tenant_name) == ("running", org.tenant_id, org.name)
    assert row.xero_connection_id
    assert [a[:2] for a in audit_actions(xero_server, workspace.id)] == [
        ("xero.connected", org.tenant_id)
    ]
    assert pending(xero_server, flow.state) is None

    # encrypted at rest: neither token appears in any column; and never in a log line
    tokens = stored_tokens(xero_server.app, workspace.id)
    with xero_server.app.extensions["db_engine"].connect() as db:
        raw = db.execute(
            text("SELECT * FROM xero_connections WHERE workspace_id = :w"), {"w": workspace.id}
        ).one()
    stored = " ".join(str(value) for value in raw)
    assert tokens.access_token not in stored and tokens.refresh_token not in stored
    assert tokens.access_token not in caplog.text and tokens.refresh_token not in caplog.text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("widget")]
    assert not [line for line in ours if flow.state in line]  # (access logs show URLs anyway)

    # the state was single use, at the callback and in the panel
    again = popup.get(callback, timeout=10)
    assert again.status_code == 400 and "already used" in again.text
    replay = complete(xero_server, admin, flow.state)
    assert replay.status_code == 400 and "already used" in replay.text
    assert "Running" in replay.text  # the section still shows the connection


def test_several_organisations_are_offered_in_the_panel(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    first, second = organisations(xero_server)[:2]
    flow, back = signed_in(xero_server, admin, [first.tenant_id, second.tenant_id])
    assert "Choose" not in back.text  # the popup shows no picker

    picker = complete(xero_server, admin, flow.state)

    assert picker.status_code == 200 and "Choose the Xero organisation" in picker.text
    assert html.escape(first.name) in picker.text and html.escape(second.name) in picker.text
    assert 'hx-post="/admin/xero/pick"' in picker.text
    assert f'name="state" value="{flow.state}"' in picker.text
    assert connected_tenant(xero_server, workspace.id) is None  # nothing chosen yet
    assert complete(xero_server, admin, flow.state).text.count("Choose the Xero") == 1  # again

    chosen = pick(xero_server, admin, flow.state, second.tenant_id)

    assert chosen.status_code == 200 and "Xero connected successfully" in chosen.text
    assert html.escape(second.name) in chosen.text
    assert connected_tenant(xero_server, workspace.id) == second.tenant_id
    replay = pick(xero_server, admin, flow.state, first.tenant_id)
    assert replay.status_code == 400 and "already used" in replay.text
    assert connected_tenant(xero_server, workspace.id) == second.tenant_id


def test_a_tampered_pick_is_refused_and_the_choice_stays_open(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    first, second, *_ = organisations(xero_server)
    flow, _ = signed_in(xero_server, admin, [first.tenant_id, second.tenant_id])

    foreign = pick(xero_server, admin, flow.state, "not-offered")
    wrong_state = pick(xero_server, admin, "x" * 43, first.tenant_id)
    good = pick(xero_server, admin, flow.state, first.tenant_id)

    assert foreign.status_code == 400 and "Choose one of the organisations" in foreign.text
    assert "Connect this organisation" in foreign.text  # the picker again, not an error page
    assert wrong_state.status_code == 400 and "Start again" in wrong_state.text
    assert good.status_code == 200
    assert connected_tenant(xero_server, workspace.id) == first.tenant_id


def test_a_consent_link_sent_to_another_company_connects_nothing(xero_server):
    """The attack: an admin of workspace A forwards Xero's consent link (A's state) to the
    admin of another company, who allows their organisation in a browser of their own."""
    attacker_workspace = new_workspace(xero_server.app)
    attacker = launch(xero_server, attacker_workspace)
    flow = start(xero_server, attacker)
    bound_popup(xero_server, flow)  # the attacker's own popup could even have bound itself
    victim_org = organisations(xero_server)[1]
    victim_browser = requests.Session()

    back = victim_browser.get(consent(flow.authorize_url, [victim_org.tenant_id]), timeout=10)

    assert back.status_code == 403 and "not started in this browser" in back.text
    assert pending(xero_server, flow.state) is None  # the flow is dead: nothing to finish
    finish = complete(xero_server, attacker, flow.state)
    assert finish.status_code == 400 and "Disconnected" in finish.text
    assert connected_tenant(xero_server, attacker_workspace.id) is None
    assert audit_actions(xero_server, attacker_workspace.id) == []


def test_another_workspace_cannot_complete_or_pick_a_sign_in(xero_server):
    """The other direction: an admin of workspace B is made to finish A's sign-in (so A's
    organisation would land in B). Only the panel that started may finish it."""
    workspace_a, workspace_b = new_workspace(xero_server.app), new_workspace(xero_server.app)
    admin_a = launch(xero_server, workspace_a)
    admin_b = launch(xero_server, workspace_b)
    other_admin_a = launch(xero_server, workspace_a, user_id="u-other-admin")
    first, second = organisations(xero_server)[:2]
    flow, _ = signed_in(xero_server, admin_a, [first.tenant_id, second.tenant_id])

    for wrong in (admin_b, other_admin_a, admin_b):  # twice: refusing does not use it up
        refused = complete(xero_server, wrong, flow.state)
        assert refused.status_code == 403 and "started by someone else" in refused.text
        assert "Choose the Xero organisation" not in refused.text
        assert html.escape(first.name) not in refused.text  # A's organisations stay hidden
        assert pick(xero_server, wrong, flow.state, first.tenant_id).status_code == 403
    assert connected_tenant(xero_server, workspace_a.id) is None
    assert connected_tenant(xero_server, workspace_b.id) is None
    assert pending(xero_server, flow.state).tokens_encrypted  # still A's to finish

    assert "Choose the Xero" in complete(xero_server, admin_a, flow.state).text
    assert pick(xero_server, admin_a, flow.state, first.tenant_id).status_code == 200
    assert connected_tenant(xero_server, workspace_a.id) == first.tenant_id
    assert connected_tenant(xero_server, workspace_b.id) is None
    assert audit_actions(xero_server, workspace_b.id) == []


def test_binding_a_popup_needs_our_own_page(xero_server):
    """A cross-site form cannot send the custom header, and browsers mark cross-site requests
    (Sec-Fetch-Site), so another site cannot make a victim's browser the flow's browser."""
    workspace = new_workspace(xero_server.app)
    flow = start(xero_server, launch(xero_server, workspace))
    bind = f"{xero_server.url}/admin/xero/bind"
    data = {"state": flow.state}

    no_header = requests.post(bind, data=data, timeout=10)
    foreign_site = requests.post(
        bind,
        data=data,
        headers={"X-Xero-Connect": "bind", "Sec-Fetch-Site": "cross-site"},
        timeout=10,
    )
    unknown_state = requests.post(
        bind, data={"state": "nope"}, headers={"X-Xero-Connect": "bind"}, timeout=10
    )
    page = requests.get(f"{xero_server.url}/admin/xero/begin", timeout=10)

    for refused in (no_header, foreign_site):
        assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    assert unknown_state.status_code == 400 and "Set-Cookie" not in unknown_state.headers
    assert page.status_code == 200 and "begin.js" in page.text and flow.state not in page.text
    assert "Set-Cookie" not in page.headers


def test_completing_when_the_popup_closed_before_the_sign_in_came_back(xero_server):
    """The admin closed the popup early, or Xero's pages cut it off from the panel (COOP), so
    the panel completes on `popup.closed`: not finished yet is a status, not an error."""
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    flow = start(xero_server, admin)
    popup = bound_popup(xero_server, flow)

    early = complete(xero_server, admin, flow.state)

    assert early.status_code == 200 and "Sign-in was not finished" in early.text
    assert "Disconnected" in early.text and "Connect to Xero" in early.text
    assert 'hx-post="/admin/xero/complete"' in early.text and "every 2s" in early.text
    assert f'value="{flow.state}"' in early.text  # kept in the section, for "Finish connecting"
    assert connected_tenant(xero_server, workspace.id) is None

    org = organisations(xero_server)[0]  # the sign-in goes on in the popup and comes back
    assert popup.get(consent(flow.authorize_url, [org.tenant_id]), timeout=10).status_code == 200
    later = complete(xero_server, admin, flow.state)

    assert later.status_code == 200 and "Xero connected successfully" in later.text
    assert "Sign-in was not finished" not in later.text
    assert connected_tenant(xero_server, workspace.id) == org.tenant_id


def test_refusing_consent_at_xero_says_so_and_connects_nothing(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    flow = start(xero_server, admin)
    popup = bound_popup(xero_server, flow)
    callback = consent(flow.authorize_url, action="cancel")
    assert query_of(callback)["error"] == "access_denied"

    back = popup.get(callback, timeout=10)

    assert back.status_code == 200 and "access was not granted" in back.text
    assert 'data-outcome="problem"' in back.text
    assert pending(xero_server, flow.state) is None
    finish = complete(xero_server, admin, flow.state)
    assert finish.status_code == 400 and "Disconnected" in finish.text


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
    flow = start(xero_server, admin)
    popup = bound_popup(xero_server, flow)

    answer = popup.get(
        f"{xero_server.url}/admin/xero/callback",
        params={"state": flow.state, "code": "forged"},
        timeout=10,
    )

    assert answer.status_code == 502 and "did not accept the sign-in" in answer.text
    assert pending(xero_server, flow.state) is None
    assert "Disconnected" in status(xero_server, admin)


def test_only_admins_start_complete_pick_and_disconnect(xero_server):
    workspace = new_workspace(xero_server.app)
    member = launch(xero_server, workspace, admin=False, user_id="u-rep")
    anonymous = requests.Session()

    for client, expected in ((member, 403), (anonymous, 401)):
        for method, path in (
            ("POST", "start"),
            ("GET", "status"),
            ("POST", "disconnect"),
            ("POST", "complete"),
            ("POST", "pick"),
        ):
            answer = client.request(method, f"{xero_server.url}/admin/xero/{path}", timeout=10)
            assert answer.status_code == expected, (method, path)
    with xero_server.app.extensions["db_sessionmaker"]() as session:
        pending_flows = session.scalars(
            select(PendingConnect).where(PendingConnect.workspace_id == workspace.id)
        ).all()
    assert pending_flows == []


def test_a_consent_older_than_ten_minutes_is_refused(xero_server):
    workspace = new_workspace(xero_server.app)
    admin = launch(xero_server, workspace)
    flow = start(xero_server, admin)
    popup = bound_popup(xero_server, flow)
    callback = consent(flow.authorize_url)
    with xero_server.app.extensions["db_sessionmaker"]() as session:
        waiting = session.get(PendingConnect, flow.state)
        waiting.expires_at = waiting.created_at - timedelta(seconds=1)
        session.commit()

    answer = popup.get(callback, timeout=10)

    assert answer.status_code == 400 and "has expired" in answer.text
    late = complete(xero_server, admin, flow.state)
    assert late.status_code == 400 and "has expired" in late.text
    assert "Disconnected" in status(xero_server, admin)


def test_the_plain_message_partial_speaks_to_reps_and_admins(xero_server):
    workspace = new_workspace(xero_server.app)
    with xero_server.app.test_request_context():
        problem = problem_of(workspace.id)
        rep = render_template("connection/_problem.html", problem=problem, is_admin=False)
        admin = render_template("connection/_problem.html", problem=problem, is_admin=True)
    assert "Ask an admin of your CRM account" in rep
    assert "Connect it from the admin page" in admin
