"""Operator commands for workspaces: `flask --app wsgi widget create-workspace …` and friends.

Secrets are printed once, when made; they are stored encrypted. Every change is audited.
"""

import os

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import IntegrityError

from widget.auth import audit
from widget.auth.launch import MAX_LIFETIME, PANELS, launch_url
from widget.auth.origins import InvalidOrigin
from widget.auth.workspaces import (
    InvalidWorkspaceId,
    WorkspaceNotFound,
    create_workspace,
    current_secret,
    retire_secrets,
    rotate_secret,
    set_origins,
)
from widget.db import get_session

ORIGIN_HELP = "CRM origin allowed to frame the widget, e.g. https://crm.example.com (repeatable)"


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.command("create-workspace")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help=ORIGIN_HELP)
@click.option("--id", "workspace_id", help="id to use (default: generated)")
@with_appcontext
def create_workspace_command(name: str, origins: tuple[str, ...], workspace_id: str | None):
    """Create a workspace; prints its id and signing secret."""
    db = get_session()
    try:
        workspace, secret = create_workspace(db, name, list(origins), workspace_id)
        audit.record(db, workspace.id, None, "workspace.create", workspace.id, via="cli")
        db.commit()
    except (InvalidOrigin, InvalidWorkspaceId, ValueError) as exc:
        raise _fail(exc) from exc
    except IntegrityError as exc:
        raise click.ClickException(f"workspace {workspace_id!r} already exists") from exc
    click.echo(f"workspace id: {workspace.id}")
    click.echo(f"signing secret: {secret}")
    click.echo(f"allowed origins: {workspace.allowed_origins or '(none yet)'}")


@click.command("rotate-secret")
@click.argument("workspace_id")
@with_appcontext
def rotate_secret_command(workspace_id: str):
    """Add a new signing secret; the previous ones keep working until retire-secrets."""
    db = get_session()
    try:
        secret = rotate_secret(db, workspace_id)
    except WorkspaceNotFound as exc:
        raise _fail(exc) from exc
    audit.record(db, workspace_id, None, "secret.rotate", workspace_id, via="cli")
    db.commit()
    click.echo(f"new signing secret: {secret}")
    click.echo("previous secrets are still accepted until `widget retire-secrets`")


@click.command("retire-secrets")
@click.argument("workspace_id")
@with_appcontext
def retire_secrets_command(workspace_id: str):
    """Stop accepting every signing secret but the newest."""
    db = get_session()
    try:
        count = retire_secrets(db, workspace_id)
    except WorkspaceNotFound as exc:
        raise _fail(exc) from exc
    audit.record(db, workspace_id, None, "secret.retire", workspace_id, retired=count, via="cli")
    db.commit()
    click.echo(f"retired {count} older secret(s); only the newest is accepted now")


@click.command("set-origins")
@click.argument("workspace_id")
@click.option("--origin", "origins", multiple=True, required=True, help=ORIGIN_HELP)
@with_appcontext
def set_origins_command(workspace_id: str, origins: tuple[str, ...]):
    """Replace the CRM origins allowed to frame the widget."""
    db = get_session()
    try:
        cleaned = set_origins(db, workspace_id, list(origins))
    except (WorkspaceNotFound, InvalidOrigin) as exc:
        raise _fail(exc) from exc
    audit.record(db, workspace_id, None, "origins.set", workspace_id, origins=cleaned, via="cli")
    db.commit()
    click.echo("allowed origins: " + " ".join(cleaned))


def server_url() -> str:
    """Where this machine serves the widget: scripts/run binds $PORT (5000 unless set), so the
    URLs printed here open on the port the server actually runs on."""
    return f"http://localhost:{os.environ.get('PORT') or '5000'}"


def _record_claim(record: str, name: str, email: str, contacts, primary: str) -> dict:
    kind, _, record_id = record.partition(":")
    if kind == "none":
        return {"type": "none"}
    if kind not in ("contact", "company", "deal") or not record_id:
        raise click.BadParameter(
            "use TYPE:ID with TYPE contact, company or deal (or none)", param_hint="--record"
        )
    claim = {"type": kind, "id": record_id, "name": name or f"{kind.title()} {record_id}"}
    if email:
        claim["email"] = email
    if contacts:
        claim["contacts"] = [_contact_claim(text) for text in contacts]
    if primary:
        claim["primary_contact_id"] = primary
    return claim


def _contact_claim(text: str) -> dict:
    """ID:NAME:EMAIL (name and email optional; the name may itself contain colons)."""
    contact_id, _, rest = text.partition(":")
    name, _, email = rest.rpartition(":") if "@" in rest else (rest, "", "")
    return {"id": contact_id, "name": name, "email": email}


@click.command("launch-url")
@click.option("--workspace", "workspace_id", required=True)
@click.option("--user", "user_id", required=True, help="CRM user id")
@click.option("--name", default="", help="user's name (default: the id)")
@click.option("--email", default="", help="user's email")
@click.option("--admin", is_flag=True, help="the user is a CRM admin")
@click.option("--locale", default="", help="e.g. en-GB")
@click.option("--record", default="none", help="TYPE:ID, e.g. contact:42, or none")
@click.option("--record-name", default="")
@click.option("--record-email", default="")
@click.option("--contact", "contacts", multiple=True, help="associated ID:NAME:EMAIL (repeatable)")
@click.option("--primary-contact", default="", help="a deal's primary contact id")
@click.option("--panel", type=click.Choice(PANELS), help="default: the record's type, or admin")
@click.option(
    "--base-url",
    default=lambda: server_url(),
    show_default="http://localhost:$PORT (5000 when PORT is unset)",
)
@click.option("--lifetime", default=MAX_LIFETIME, type=click.IntRange(1, MAX_LIFETIME))
@with_appcontext
def launch_url_command(
    workspace_id,
    user_id,
    name,
    email,
    admin,
    locale,
    record,
    record_name,
    record_email,
    contacts,
    primary_contact,
    panel,
    base_url,
    lifetime,
):
    """Print a signed launch URL (usable once, within LIFETIME seconds)."""
    claim = _record_claim(record, record_name, record_email, contacts, primary_contact)
    panel = panel or ("admin" if claim["type"] == "none" else claim["type"])
    user = {"id": user_id, "name": name or user_id, "email": email, "admin": admin}
    if locale:
        user["locale"] = locale
    try:
        secret = current_secret(get_session(), workspace_id)
        url = launch_url(
            base_url, workspace_id, panel, user, claim, secret=secret, lifetime=lifetime
        )
    except (WorkspaceNotFound, ValueError) as exc:
        raise _fail(exc) from exc
    click.echo(url)


COMMANDS = (
    create_workspace_command,
    rotate_secret_command,
    retire_secrets_command,
    set_origins_command,
    launch_url_command,
)


def register(group: AppGroup) -> None:
    """Add the workspace commands to the `widget` command group."""
    for command in COMMANDS:
        group.add_command(command)
