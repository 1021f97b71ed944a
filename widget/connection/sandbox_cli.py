"""`flask --app wsgi widget connect-sandbox --workspace ID --org NAME`: connect a workspace to a
demo organisation of the built-in sandbox without the browser consent, for demos, benchmarks and
checks. The sandbox grants consent as its consent page would; the widget then stores the
connection exactly as its consent callback does (`lifecycle.connect`, audited).

Refused when real Xero credentials are configured: this must never stand in for a real consent.
"""

import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from widget.auth.claims import LaunchUser
from widget.auth.users import find_by_crm_id, upsert_launch_user, workspace_admins
from widget.auth.workspaces import find_workspace
from widget.connection import lifecycle
from widget.db import get_session
from widget.xero.tokens import Connection, TokenSet

#: the user recorded as having connected, when the workspace has no admin yet
OPERATOR = LaunchUser(id="sandbox-cli", name="Sandbox CLI operator", admin=True)


def _sandbox_or_refuse():
    config = current_app.config
    box = current_app.extensions.get("sandbox")
    if not config.get("XERO_USE_SANDBOX") or box is None:
        raise click.ClickException(
            "refused: real Xero credentials are configured (XERO_CLIENT_ID/XERO_CLIENT_SECRET); "
            "connect through the admin page's Connect to Xero instead"
        )
    return box


def _connecting_user(workspace_id: str, crm_user_id: str | None):
    session = get_session()
    if crm_user_id:
        user = find_by_crm_id(session, workspace_id, crm_user_id)
        if user is None:
            raise click.ClickException(f"no user '{crm_user_id}' in workspace {workspace_id}")
        return user
    admins = workspace_admins(session, workspace_id)
    user = admins[0] if admins else upsert_launch_user(session, workspace_id, OPERATOR)
    session.commit()
    return user


def _consent(box, org_name: str) -> tuple[TokenSet, Connection]:
    """Tokens and the chosen organisation's connection, as the consent page would give them."""
    try:
        org = box.find_org(org_name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    granted = box.token(org.tenant_id)
    row = box.grants.connections(granted.grant_id)[0]
    chosen = Connection(
        id=row.connection_id,
        tenant_id=row.tenant_id,
        tenant_type="ORGANISATION",
        tenant_name=org.name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        auth_event_id=row.grant_id,
    )
    return TokenSet.from_token_response(granted.response()), chosen


@click.command("connect-sandbox")
@click.option("--workspace", "workspace_id", required=True, help="Workspace id.")
@click.option("--org", "org_name", required=True, help="Demo organisation (name or prefix).")
@click.option("--user", "crm_user_id", help="CRM user id recorded as connecting (default: admin).")
@with_appcontext
def connect_sandbox_command(workspace_id: str, org_name: str, crm_user_id: str | None) -> None:
    """Connect a workspace to a sandbox demo organisation, skipping the browser consent."""
    box = _sandbox_or_refuse()
    if find_workspace(get_session(), workspace_id) is None:
        raise click.ClickException(f"no workspace '{workspace_id}'")
    user = _connecting_user(workspace_id, crm_user_id)
    if not current_app.config.get("XERO_SANDBOX_URL"):  # no request to take the host from
        port = os.environ.get("PORT", "5000")
        current_app.config["XERO_SANDBOX_URL"] = f"http://localhost:{port}/sandbox/xero"
    tokens, chosen = _consent(box, org_name)
    connected = lifecycle.connect(workspace_id, user.id, tokens, chosen)
    again = " (its links and settings are back)" if connected.restored else ""
    click.echo(f"workspace {workspace_id} connected to {connected.tenant_name}{again}")


def register(group: AppGroup) -> None:
    """Add `connect-sandbox` to the `widget` command group."""
    group.add_command(connect_sandbox_command)
