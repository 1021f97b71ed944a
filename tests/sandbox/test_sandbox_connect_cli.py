"""`flask widget connect-sandbox`: a workspace connected to a demo organisation without the
browser consent, stored as the consent callback stores it; refused with real Xero credentials."""

import pytest
from sqlalchemy import select

from tests.conftest import make_test_app, serve
from widget.auth.models import AuditEntry
from widget.auth.workspaces import create_workspace
from widget.connection.models import XeroConnection
from widget.connection.service import client_for
from widget.db import get_session


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("connect-cli")
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield from serve(application)
    application.extensions["db_engine"].dispose()


def new_workspace(app, workspace_id: str) -> str:
    with app.app_context():
        create_workspace(get_session(), "CLI CRM", ["https://crm.example.com"], workspace_id)
        get_session().commit()
    return workspace_id


def connect(app, *args):
    return app.test_cli_runner().invoke(args=["widget", "connect-sandbox", *args])


def test_connects_a_workspace_as_the_consent_callback_would(served):
    app = served.app
    workspace_id = new_workspace(app, "ws-cli-1")
    result = connect(app, "--workspace", workspace_id, "--org", "uk")
    assert result.exit_code == 0, result.output
    assert "connected to Demo Company (UK)" in result.output
    uk = app.extensions["sandbox"].find_org("Demo Company (UK)")
    with app.app_context():
        row = get_session().scalar(select(XeroConnection).filter_by(workspace_id=workspace_id))
        assert row.status == "running" and row.tenant_id == uk.tenant_id
        assert row.tenant_name == "Demo Company (UK)" and row.xero_connection_id
        audited = (
            get_session()
            .scalars(select(AuditEntry.action).filter_by(workspace_id=workspace_id))
            .all()
        )
        assert "xero.connected" in audited
        assert client_for(workspace_id).organisation().name == "Demo Company (UK)"
    again = connect(app, "--workspace", workspace_id, "--org", "uk")
    assert "its links and settings are back" in again.output


def test_unknown_workspace_org_or_user_are_refused(served):
    app = served.app
    assert "no workspace" in connect(app, "--workspace", "ws-nope", "--org", "uk").output
    workspace_id = new_workspace(app, "ws-cli-2")
    unknown = connect(app, "--workspace", workspace_id, "--org", "Atlantis")
    assert unknown.exit_code != 0 and "matches none" in unknown.output
    nobody = connect(app, "--workspace", workspace_id, "--org", "uk", "--user", "ghost")
    assert nobody.exit_code != 0 and "no user 'ghost'" in nobody.output


def test_refused_when_real_xero_credentials_are_configured(tmp_path):
    real = make_test_app(
        f"sqlite:///{tmp_path / 'widget.sqlite3'}",
        XERO_USE_SANDBOX=False,
        SANDBOX_ENABLED=False,
        XERO_CLIENT_ID="real-client",
        XERO_CLIENT_SECRET="real-secret",
    )
    workspace_id = new_workspace(real, "ws-real")
    result = connect(real, "--workspace", workspace_id, "--org", "uk")
    assert result.exit_code != 0 and "refused: real Xero credentials" in result.output
    with real.app_context():
        assert get_session().scalar(select(XeroConnection.tenant_id)) is None
    real.extensions["db_engine"].dispose()
