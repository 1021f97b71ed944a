"""CRM users of a workspace: created on first launch (or added beforehand by an admin or the
CRM's user push, so their grant is ready when they first launch), their grant set by admins.

Every lookup takes the workspace id, so a user id from another workspace is simply "not found".
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
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
            launched_at=now,
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
    if user.launched_at is None:  # added beforehand: their grant applies from now on
        user.launched_at = now
    session.flush()
    return user


def add_user(session: Session, workspace_id: str, crm_user_id: str, name: str, email: str) -> User:
    """Someone who has not launched yet, added so an admin can grant them access beforehand.
    The caller checks they are not there already, audits and commits."""
    now = utcnow()
    user = User(
        workspace_id=workspace_id,
        crm_user_id=crm_user_id,
        name=name or crm_user_id,
        email=email,
        is_admin=False,
        access="none",
        first_seen_at=now,
        last_seen_at=now,
        launched_at=None,
    )
    session.add(user)
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


USERS_PER_PAGE = 50


@dataclass(frozen=True)
class UsersPage:
    users: list[User]
    search: str
    page: int
    per_page: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def users_page(
    session: Session,
    workspace_id: str,
    search: str = "",
    page: int = 1,
    per_page: int = USERS_PER_PAGE,
) -> UsersPage:
    """One page of the access list (admins first, then by name), optionally only those whose
    name, email or CRM user id contains `search` (case-insensitive)."""
    where = [User.workspace_id == workspace_id]
    search = "".join(char for char in search if char.isprintable()).strip()[:200]
    if search:
        pattern = _like(search)
        where.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (User.name, User.email, User.crm_user_id)
                )
            )
        )
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    query = (
        select(User)
        .where(*where)
        .order_by(User.is_admin.desc(), User.name, User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return UsersPage(list(session.scalars(query)), search, page, per_page, total)


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
