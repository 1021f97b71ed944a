"""CRM users added ahead of their first launch (pushed by the CRM, uploaded, pasted or typed by an
admin), with the grant they should have. Idempotent like the contacts: adding someone again with
the same details and grant changes nothing and writes no audit entry.

Name and email are the CRM's to say, so they are updated (a launch overwrites them too); the
grant changes only when one is given. Admins always have edit: a grant for an admin is left alone.
The caller commits (every audit entry goes with its change).
"""

from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.models import User
from widget.auth.users import add_user, find_by_crm_id, set_access
from widget.crm.rows import UserRow
from widget.crm.store import Counts


def _grant(session, workspace_id, actor, user: User, wanted: str | None, source: str) -> bool:
    if wanted is None or user.is_admin or wanted == user.access:
        return False
    previous = set_access(user, wanted)
    action = "access.revoke" if wanted == "none" else "access.grant"
    audit.record(
        session,
        workspace_id,
        actor,
        action,
        f"user {user.crm_user_id}",
        user_name=user.name,
        source=source,
        **{"from": previous, "to": wanted},
    )
    return True


def apply_users(
    session: Session, workspace_id: str, rows: list[UserRow], actor: User | None, source: str
) -> Counts:
    """Add or update each user; `source` says how they came ("api", "csv", "admin")."""
    counts = Counts()
    for row in rows:
        user = find_by_crm_id(session, workspace_id, row.id)
        if user is None:
            user = add_user(session, workspace_id, row.id, row.name, row.email)
            audit.record(
                session,
                workspace_id,
                actor,
                "user.add",
                f"user {row.id}",
                user_name=user.name,
                source=source,
            )
            _grant(session, workspace_id, actor, user, row.access, source)
            counts.created += 1
            counts.created_ids.append(row.id)
            continue
        details_changed = (user.name, user.email) != (row.name, row.email)
        if details_changed:
            user.name, user.email = row.name, row.email
        granted = _grant(session, workspace_id, actor, user, row.access, source)
        if details_changed or granted:
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    return counts
