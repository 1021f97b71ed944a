"""Workspaces (one per CRM account): creation, launch-token signing secrets, allowed origins.

Secrets are stored encrypted (widget.crypto) and only decrypted to sign or verify. Rotation keeps
the previous secrets valid until `retire_secrets`, so a CRM can switch secrets without downtime.
Functions here add to the SQLAlchemy session; the caller commits (except `ensure_demo_workspace`).
"""

import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.auth.models import Workspace, WorkspaceSecret
from widget.auth.origins import normalise_origins, split_origins
from widget.crypto import vault

WORKSPACE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DEMO_WORKSPACE_ID = "demo"
DEMO_WORKSPACE_NAME = "Demo CRM"


class WorkspaceNotFound(LookupError):
    pass


class InvalidWorkspaceId(ValueError):
    pass


def new_secret() -> str:
    """256 random bits: the full strength HS256 can use."""
    return secrets.token_urlsafe(32)


def find_workspace(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id) if isinstance(workspace_id, str) else None


def get_workspace(session: Session, workspace_id: str) -> Workspace:
    workspace = find_workspace(session, workspace_id)
    if workspace is None:
        raise WorkspaceNotFound(f"no workspace {workspace_id!r}")
    return workspace


def create_workspace(
    session: Session, name: str, origins: list[str], workspace_id: str | None = None
) -> tuple[Workspace, str]:
    """A new workspace and its first signing secret (returned in clear, once)."""
    workspace_id = workspace_id or "ws-" + secrets.token_hex(6)
    if not WORKSPACE_ID.match(workspace_id):
        raise InvalidWorkspaceId(
            f"{workspace_id!r}: use 1-32 lower-case letters, digits, '-' or '_'"
        )
    if not name.strip():
        raise ValueError("a workspace needs a name")
    now = utcnow()
    workspace = Workspace(
        id=workspace_id,
        name=name.strip()[:200],
        allowed_origins=" ".join(normalise_origins(origins)),
        settings={},
        created_at=now,
    )
    session.add(workspace)
    secret = _add_secret(session, workspace)
    return workspace, secret


def _add_secret(session: Session, workspace: Workspace) -> str:
    secret = new_secret()
    session.add(
        WorkspaceSecret(
            workspace=workspace, secret_encrypted=vault().encrypt(secret), created_at=utcnow()
        )
    )
    session.flush()
    return secret


def _live_secret_rows(session: Session, workspace_id: str) -> list[WorkspaceSecret]:
    query = (
        select(WorkspaceSecret)
        .where(WorkspaceSecret.workspace_id == workspace_id, WorkspaceSecret.retired_at.is_(None))
        .order_by(WorkspaceSecret.id.desc())
    )
    return list(session.scalars(query))


def active_secrets(session: Session, workspace_id: str) -> list[str]:
    """Every secret a launch token may be signed with, newest first."""
    return [
        vault().decrypt(row.secret_encrypted) for row in _live_secret_rows(session, workspace_id)
    ]


def current_secret(session: Session, workspace_id: str) -> str:
    """The newest secret: what the CRM (and our CLI and demo CRM) should sign with."""
    rows = _live_secret_rows(session, get_workspace(session, workspace_id).id)
    if not rows:
        raise WorkspaceNotFound(f"workspace {workspace_id!r} has no signing secret")
    return vault().decrypt(rows[0].secret_encrypted)


def rotate_secret(session: Session, workspace_id: str) -> str:
    """A new current secret; the old ones keep working until `retire_secrets`."""
    return _add_secret(session, get_workspace(session, workspace_id))


def retire_secrets(session: Session, workspace_id: str) -> int:
    """Retire every secret but the newest; returns how many were retired."""
    rows = _live_secret_rows(session, get_workspace(session, workspace_id).id)
    now = utcnow()
    for row in rows[1:]:
        row.retired_at = now
    session.flush()
    return len(rows[1:])


def origins_of(workspace: Workspace) -> list[str]:
    return split_origins(workspace.allowed_origins)


def set_origins(session: Session, workspace_id: str, origins: list[str]) -> list[str]:
    """Replace the allowed origins (validated first: nothing changes on a bad one)."""
    cleaned = normalise_origins(origins)
    get_workspace(session, workspace_id).allowed_origins = " ".join(cleaned)
    session.flush()
    return cleaned


def ensure_demo_workspace(session: Session, origins: list[str]) -> Workspace:
    """The "demo" workspace the demo CRM page signs with, created if missing, and allowed to be
    framed by `origins` (added to any set by hand). Commits; safe when several workers race."""
    wanted = normalise_origins(origins)
    workspace = find_workspace(session, DEMO_WORKSPACE_ID)
    if workspace is None:
        try:
            workspace, _secret = create_workspace(
                session, DEMO_WORKSPACE_NAME, wanted, DEMO_WORKSPACE_ID
            )
            session.commit()
            return workspace
        except IntegrityError:
            session.rollback()
            workspace = get_workspace(session, DEMO_WORKSPACE_ID)
    missing = [origin for origin in wanted if origin not in origins_of(workspace)]
    if missing:
        workspace.allowed_origins = " ".join(origins_of(workspace) + missing)
    if not _live_secret_rows(session, workspace.id):
        _add_secret(session, workspace)
    session.commit()
    return workspace
