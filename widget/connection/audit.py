"""Connection changes in the workspace's audit log (who, when, which Xero organisation)."""

from sqlalchemy.orm import Session

from widget.auth.models import AuditEntry, User
from widget.connection.tokens import utcnow


def record(
    session: Session,
    workspace_id: str,
    user: User | None,
    action: str,
    subject: str = "",
    **details,
) -> None:
    """Through helper-3's `widget.auth.audit.record` when present, else the same row by hand."""
    try:
        from widget.auth.audit import record as auth_record
    except ImportError:
        auth_record = None
    if auth_record is not None:
        auth_record(session, workspace_id, user, action, subject, **details)
        return
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            user_id=user.id if user else None,
            actor=user.name if user else "system",
            action=action,
            subject=subject,
            details=details,
            created_at=utcnow(),
        )
    )
