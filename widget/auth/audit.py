"""The audit log: who did what, when, to which user or Xero object, per workspace.

`record` only adds the row to the caller's session: the caller commits it together with the change
it describes, so there is never a change without its entry or an entry without its change.
Never put tokens or secrets in `details`.
"""

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.auth.models import AuditEntry, User

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def record(
    session: Session,
    workspace_id: str,
    user: User | None,
    action: str,
    subject: str = "",
    **details,
) -> AuditEntry:
    """Add an entry, e.g. `record(db, ws, admin, "access.grant", "user 42", to="view")`.

    `user` is the actor (None for the CLI or the system); details must be JSON-friendly
    (anything else is stored as its string form)."""
    if user is not None and user.workspace_id != workspace_id:
        raise ValueError("an audit entry's actor must belong to its workspace")
    entry = AuditEntry(
        workspace_id=workspace_id,
        user_id=user.id if user is not None else None,
        actor=(user.name or user.crm_user_id) if user is not None else "system",
        action=action[:64],
        subject=str(subject)[:200],
        details=json.loads(json.dumps(details, default=str)),
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    per_page: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def entries(
    session: Session, workspace_id: str, page: int = 1, per_page: int = DEFAULT_PAGE_SIZE
) -> AuditPage:
    """One page of a workspace's log, newest first."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PAGE_SIZE)
    where = AuditEntry.workspace_id == workspace_id
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
    query = (
        select(AuditEntry)
        .where(where)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return AuditPage(list(session.scalars(query)), page, per_page, total)
