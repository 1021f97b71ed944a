"""`flask --app wsgi widget …` workspace commands, through Flask's CLI test runner."""

import re

from sqlalchemy import select

from tests.auth.fixtures import SESSION_META
from widget.auth import audit
from widget.auth.models import WorkspaceSecret
from widget.auth.workspaces import get_workspace
from widget.db import get_session


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["widget", *args])


def _created(app, *extra) -> tuple[str, str]:
    result = _run(
        app, "create-workspace", "Acme CRM", "--origin", "https://crm.example.com", *extra
    )
    assert result.exit_code == 0, result.output
    workspace_id = re.search(r"workspace id: (\S+)", result.output).group(1)
    secret = re.search(r"signing secret: (\S+)", result.output).group(1)
    return workspace_id, secret


def _launch_url(app, workspace_id, *args) -> str:
    result = _run(app, "launch-url", "--workspace", workspace_id, "--user", "u-1", *args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_create_workspace_prints_id_and_secret_and_stores_it_encrypted(auth_app):
    workspace_id, secret = _created(auth_app)
    assert len(secret) >= 40
    with auth_app.app_context():
        db = get_session()
        workspace = get_workspace(db, workspace_id)
        assert workspace.name == "Acme CRM"
        assert workspace.allowed_origins == "https://crm.example.com"
        rows = db.scalars(
            select(WorkspaceSecret).where(WorkspaceSecret.workspace_id == workspace_id)
        )
        stored = [row.secret_encrypted for row in rows]
        assert len(stored) == 1 and secret not in stored[0]
        actions = [entry.action for entry in audit.entries(db, workspace_id).entries]
        assert actions == ["workspace.create"]


def test_create_workspace_with_a_chosen_id_refuses_a_duplicate(auth_app):
    _created(auth_app, "--id", "acme-cli")
    again = _run(auth_app, "create-workspace", "Acme", "--id", "acme-cli")
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_bad_origins_and_ids_get_clear_errors(auth_app):
    result = _run(auth_app, "create-workspace", "Acme", "--origin", "https://crm.example.com/app")
    assert result.exit_code != 0 and "without a path" in result.output
    result = _run(auth_app, "create-workspace", "Acme", "--id", "Bad Id!")
    assert result.exit_code != 0 and "lower-case letters" in result.output
    assert "Traceback" not in result.output


def test_launch_url_opens_the_panel_once(auth_app):
    workspace_id, _secret = _created(auth_app)
    url = _launch_url(
        auth_app, workspace_id, "--admin", "--record", "contact:42", "--record-name", "Jo Bloggs"
    )
    assert url.startswith("http://localhost:5000/contact?token=")
    client = auth_app.test_client()
    path = url.removeprefix("http://localhost:5000")
    first = client.get(path)
    assert first.status_code == 200
    assert "Jo Bloggs" in first.get_data(as_text=True)
    assert SESSION_META.search(first.get_data(as_text=True))
    assert client.get(path).status_code == 401


def test_launch_url_for_a_deal_with_contacts_and_the_admin_panel(auth_app):
    workspace_id, _secret = _created(auth_app)
    deal = _launch_url(
        auth_app,
        workspace_id,
        "--admin",
        "--record",
        "deal:D-9",
        "--contact",
        "c1:Jo Bloggs:jo@example.com",
        "--contact",
        "c2:Sam",
        "--primary-contact",
        "c1",
        "--base-url",
        "https://widget.example.com/",
    )
    assert deal.startswith("https://widget.example.com/deal?token=")
    body = auth_app.test_client().get(deal.split(".com", 1)[1]).get_data(as_text=True)
    assert "Jo Bloggs" in body and "jo@example.com" in body and "Sam" in body
    admin = _launch_url(auth_app, workspace_id, "--admin")
    assert "/admin?token=" in admin
    assert auth_app.test_client().get(admin.split("5000", 1)[1]).status_code == 200


def test_launch_url_rejects_a_bad_record_and_an_unknown_workspace(auth_app):
    workspace_id, _secret = _created(auth_app)
    bad = _run(auth_app, "launch-url", "--workspace", workspace_id, "--user", "u", "--record", "x")
    assert bad.exit_code != 0 and "TYPE:ID" in bad.output
    unknown = _run(auth_app, "launch-url", "--workspace", "nope", "--user", "u")
    assert unknown.exit_code != 0 and "no workspace 'nope'" in unknown.output


def test_rotate_then_retire_secrets(auth_app):
    workspace_id, old = _created(auth_app)
    rotated = _run(auth_app, "rotate-secret", workspace_id)
    assert rotated.exit_code == 0, rotated.output
    new = re.search(r"new signing secret: (\S+)", rotated.output).group(1)
    assert new != old
    # launch-url signs with the newest; both are accepted until retired
    from tests.auth.fixtures import Tenant, signed_url, user_claim

    tenant_old = Tenant(workspace_id, old)
    tenant_new = Tenant(workspace_id, new)
    admin = user_claim(admin=True)
    assert auth_app.test_client().get(signed_url(tenant_old, user=admin)).status_code == 200
    assert auth_app.test_client().get(signed_url(tenant_new, user=admin)).status_code == 200
    retired = _run(auth_app, "retire-secrets", workspace_id)
    assert retired.exit_code == 0 and "retired 1" in retired.output
    assert auth_app.test_client().get(signed_url(tenant_old, user=admin)).status_code == 401
    assert auth_app.test_client().get(signed_url(tenant_new, user=admin)).status_code == 200
    with auth_app.app_context():
        actions = [e.action for e in audit.entries(get_session(), workspace_id).entries]
    assert actions[:2] == ["secret.retire", "secret.rotate"]


def test_set_origins_replaces_them_and_refuses_bad_ones_without_changing_anything(auth_app):
    workspace_id, _secret = _created(auth_app)
    result = _run(
        auth_app,
        "set-origins",
        workspace_id,
        "--origin",
        "https://a.example",
        "--origin",
        "https://b.example:8443",
    )
    assert result.exit_code == 0, result.output
    bad = _run(auth_app, "set-origins", workspace_id, "--origin", "javascript:alert(1)")
    assert bad.exit_code != 0 and "https://" in bad.output
    with auth_app.app_context():
        workspace = get_workspace(get_session(), workspace_id)
        assert workspace.allowed_origins == "https://a.example https://b.example:8443"


def test_commands_on_an_unknown_workspace_fail_clearly(auth_app):
    for command in ("rotate-secret", "retire-secrets"):
        result = _run(auth_app, command, "ghost")
        assert result.exit_code != 0 and "no workspace 'ghost'" in result.output
