"""CRM users of a workspace: created on first launch, their grant set by admins.

Every lookup takes the workspace id, so a user id from another workspace is simply "not found".
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.claims import LaunchUser
from widget.auth.clock import utcnow
from widget.auth.models import ACCESS_LEVELS, User

#: what each grant allows, lowest first; admins always have the top one
LEVEL_ORDER = {level: rank for rank, level in enumerate(ACCESS_LEVELS)}


class InvalidAccess(ValueError):
    pass


class AdminAccessIsFixed(ValueError):
    """Admins always have edit; their grant is not the admin page's to change."""


def effective_access(user: User) -> str:
    return "edit" if user.is_admin else user.access


def upsert_launch_user(session: Session, workspace_id: str, launched: LaunchUser) -> User:
    """The user the launch token speaks for, created on first launch and refreshed on each:
    name, email and admin flag are the CRM's to say; the grant is ours."""
    now = utcnow()
    user = find_by_crm_id(session, workspace_id, launched.id)
    if user is None:
        user = User(
            workspace_id=workspace_id,
            crm_user_id=launched.id,
            name=launched.name or launched.id,
            email=launched.email,
            is_admin=launched.admin,
            access="none",
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # a first launch racing on another worker created it
            session.rollback()
            user = find_by_crm_id(session, workspace_id, launched.id)
            if user is None:
                raise
    user.name = launched.name or launched.id
    user.email = launched.email
    user.is_admin = launched.admin
    user.last_seen_at = now
    session.flush()
    return user


def find_by_crm_id(session: Session, workspace_id: str, crm_user_id: str) -> User | None:
    query = select(User).where(User.workspace_id == workspace_id, User.crm_user_id == crm_user_id)
    return session.scalars(query).first()


def find_user(session: Session, workspace_id: str, user_id: int) -> User | None:
    query = select(User).where(User.workspace_id == workspace_id, User.id == user_id)
    return session.scalars(query).first()


def workspace_users(session: Session, workspace_id: str) -> list[User]:
    """Everyone seen in the workspace: admins first, then by name."""
    query = (
        select(User)
        .where(User.workspace_id == workspace_id)
        .order_by(User.is_admin.desc(), User.name, User.id)
    )
    return list(session.scalars(query))


def workspace_admins(session: Session, workspace_id: str) -> list[User]:
    return [user for user in workspace_users(session, workspace_id) if user.is_admin]


def set_access(user: User, access: str) -> str:
    """Change the grant; returns the previous one. The caller audits and commits."""
    if access not in ACCESS_LEVELS:
        raise InvalidAccess(f"access must be one of {', '.join(ACCESS_LEVELS)}")
    if user.is_admin:
        raise AdminAccessIsFixed("admins always have edit access")
    previous = user.access
    user.access = access
    return previous
