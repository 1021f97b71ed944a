"""`client_for` against the sandbox: refresh before expiry, refresh on 401, invalid_grant, and
disconnect / reconnect keeping the organisation; on SQLite and PostgreSQL."""

import html
import logging

import pytest
import requests
from sqlalchemy import select

from tests.connection.support import (
    connect_organisation,
    connection_row,
    launch,
    new_workspace,
    refresh_grants,
    set_access_expiry,
    stored_tokens,
)
from widget.auth.models import AuditEntry
from widget.connection.errors import ConnectionProblem, NeedsReauthorisation, NotConnected
from widget.connection.service import client_for, report_needs_reauthorisation
from widget.connection.status import problem_of
from widget.sandbox.models import Connection as SandboxConnection
from widget.xero import XeroNeedsReauthorisation, XeroOAuth


@pytest.fixture
def sandbox(xero_server):
    """The served sandbox; its clock and faults are put back after each test."""
    state = xero_server.app.extensions["sandbox"]
    yield state
    state.clock.reset()
    state.faults.clear()


@pytest.fixture
def connected(xero_server, sandbox):
    """A workspace connected (over HTTP, through the popup flow) to the first organisation."""
    workspace = new_workspace(xero_server.app)
    org = sandbox.organisations()[0]
    connect_organisation(xero_server, workspace, org.tenant_id)
    return workspace, org


def call_xero(app, workspace_id: str):
    with app.app_context():
        return client_for(workspace_id).organisation()


def audit_actions(app, workspace_id: str) -> list[tuple[str, dict]]:
    with app.extensions["db_sessionmaker"]() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.details) for row in rows]


def status_page(server, workspace) -> str:
    answer = launch(server, workspace).get(f"{server.url}/admin/xero/status", timeout=10)
    assert answer.status_code == 200
    return answer.text


def test_nothing_connected_is_a_plain_not_connected(xero_server):
    workspace = new_workspace(xero_server.app)
    with xero_server.app.app_context(), pytest.raises(NotConnected) as refused:
        client_for(workspace.id)
    assert "Ask an admin" in refused.value.message_for(is_admin=False)
    assert "Connect it from the admin page" in refused.value.message_for(is_admin=True)
    with xero_server.app.app_context():
        assert isinstance(problem_of(workspace.id), NotConnected)


def test_a_token_about_to_expire_is_refreshed_once_before_the_call(xero_server, connected, caplog):
    caplog.set_level(logging.DEBUG)
    workspace, org = connected
    first = stored_tokens(xero_server.app, workspace.id)
    version = connection_row(xero_server.app, workspace.id).token_version
    set_access_expiry(xero_server.app, workspace.id, seconds_left=60)

    assert call_xero(xero_server.app, workspace.id).name == org.name
    assert call_xero(xero_server.app, workspace.id).name == org.name  # fresh now: no refresh

    fresh = stored_tokens(xero_server.app, workspace.id)
    assert refresh_grants(xero_server.app, fresh.access_token) == 1
    assert fresh.access_token != first.access_token
    assert fresh.refresh_token != first.refresh_token  # rotated, and the new one kept
    assert connection_row(xero_server.app, workspace.id).token_version == version + 1
    for token in (first.access_token, first.refresh_token, fresh.access_token, fresh.refresh_token):
        assert token not in caplog.text


def test_a_token_with_time_left_is_used_as_it_is(xero_server, connected):
    workspace, org = connected
    set_access_expiry(xero_server.app, workspace.id, seconds_left=600)
    assert call_xero(xero_server.app, workspace.id).name == org.name
    tokens = stored_tokens(xero_server.app, workspace.id)
    assert refresh_grants(xero_server.app, tokens.access_token) == 0


def test_xero_saying_token_expired_refreshes_and_retries(xero_server, connected, sandbox):
    workspace, org = connected
    before = stored_tokens(xero_server.app, workspace.id)
    sandbox.clock.advance(minutes=31)  # Xero's clock: our copy still thinks the token is fine

    assert call_xero(xero_server.app, workspace.id).name == org.name

    after = stored_tokens(xero_server.app, workspace.id)
    assert after.access_token != before.access_token
    assert refresh_grants(xero_server.app, after.access_token) == 1
    assert connection_row(xero_server.app, workspace.id).status == "running"


def test_invalid_grant_needs_reauthorisation_and_reconnect_restores(
    xero_server, connected, sandbox
):
    workspace, org = connected
    sandbox.faults.set(org.tenant_id, revoked=True)
    set_access_expiry(xero_server.app, workspace.id, seconds_left=-5)

    with xero_server.app.app_context(), pytest.raises(NeedsReauthorisation) as refused:
        client_for(workspace.id)

    assert "Ask an admin of your CRM account to reconnect" in refused.value.message_for(False)
    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.tokens_encrypted, row.tenant_id) == (
        "needs_reauthorisation",
        None,
        org.tenant_id,
    )
    assert [action for action, _ in audit_actions(xero_server.app, workspace.id)] == [
        "xero.connected",
        "xero.needs_reauthorisation",
    ]
    with xero_server.app.app_context():
        assert isinstance(problem_of(workspace.id), NeedsReauthorisation)
    page = status_page(xero_server, workspace)
    assert "Needs re-authorisation" in page and "Reconnect" in page and "Disconnect" in page

    sandbox.faults.clear()
    popup = connect_organisation(xero_server, workspace, org.tenant_id)

    assert "links and settings for it are back" in popup
    assert call_xero(xero_server.app, workspace.id).name == org.name
    assert audit_actions(xero_server.app, workspace.id)[-1] == (
        "xero.connected",
        {"tenant_name": org.name, "restored": True},
    )


def test_a_refused_refresh_on_401_surfaces_as_a_connection_problem(xero_server, connected, sandbox):
    workspace, org = connected
    sandbox.faults.set(org.tenant_id, revoked=True)
    sandbox.clock.advance(minutes=31)

    with pytest.raises(ConnectionProblem):
        call_xero(xero_server.app, workspace.id)

    assert connection_row(xero_server.app, workspace.id).status == "needs_reauthorisation"


def test_a_panel_can_report_xero_refusing_the_organisation(xero_server, connected, sandbox):
    workspace, org = connected
    sandbox.faults.set(org.tenant_id, revoked=True)  # API calls now answer 403

    with pytest.raises(XeroNeedsReauthorisation):
        call_xero(xero_server.app, workspace.id)
    with xero_server.app.app_context():
        report_needs_reauthorisation(workspace.id, "Xero answered 403")

    assert connection_row(xero_server.app, workspace.id).status == "needs_reauthorisation"


def test_disconnect_revokes_forgets_tokens_and_keeps_the_organisation(
    xero_server, connected, sandbox
):
    workspace, org = connected
    call_xero(xero_server.app, workspace.id)  # so Xero has answered and told us the limits
    running = status_page(xero_server, workspace)
    assert "Calls left today" in running and "Not known yet" not in running
    assert "ago" in running  # when Xero last answered
    tokens = stored_tokens(xero_server.app, workspace.id)
    connection_id = connection_row(xero_server.app, workspace.id).xero_connection_id
    admin = launch(xero_server, workspace)

    answer = admin.post(f"{xero_server.url}/admin/xero/disconnect", timeout=10)

    assert answer.status_code == 200
    assert "Disconnected" in answer.text and html.escape(org.name) in answer.text
    assert "Connect to Xero" in answer.text
    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.tokens_encrypted, row.tenant_id) == (
        "disconnected",
        None,
        org.tenant_id,
    )
    with xero_server.app.app_context():
        oauth = XeroOAuth.from_config(xero_server.app.config)
        with pytest.raises(XeroNeedsReauthorisation):  # revoked at Xero: the grant is dead
            oauth.refresh(tokens.refresh_token)
        with pytest.raises(NotConnected):
            client_for(workspace.id)
    with sandbox.sessions() as session:  # the organisation's connection was deleted at Xero too
        assert session.get(SandboxConnection, connection_id).deleted is True
    assert audit_actions(xero_server.app, workspace.id)[-1] == (
        "xero.disconnected",
        {"tenant_name": org.name, "revoked_at_xero": True},
    )
    again = admin.post(f"{xero_server.url}/admin/xero/disconnect", timeout=10)
    assert again.status_code == 200 and "Disconnected" in again.text


def test_connecting_another_organisation_records_the_new_tenant(xero_server, connected, sandbox):
    workspace, first = connected
    second = sandbox.organisations()[1]
    admin = launch(xero_server, workspace)
    admin.post(f"{xero_server.url}/admin/xero/disconnect", timeout=10)

    connect_organisation(xero_server, workspace, second.tenant_id, admin)

    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.tenant_id, row.tenant_name) == (
        "running",
        second.tenant_id,
        second.name,
    )
    assert call_xero(xero_server.app, workspace.id).name == second.name
    assert audit_actions(xero_server.app, workspace.id)[-1] == (
        "xero.connected",
        {"tenant_name": second.name, "restored": False, "previous_tenant_id": first.tenant_id},
    )


def test_the_callback_page_needs_no_panel_session_but_status_does(xero_server):
    answer = requests.get(f"{xero_server.url}/admin/xero/status", timeout=10)
    assert answer.status_code == 401
