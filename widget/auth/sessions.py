"""Panel sessions: after a launch, the panel works on a random token of ours, not on cookies.

The token reaches the page once (a <meta> tag) and comes back in the `X-Widget-Session` header of
each htmx request, so the widget works with third-party cookies blocked and a cross-site form
cannot ride on it. Only its SHA-256 is stored, so a database leak does not leak live sessions.
Sessions read are kept in process (widget.auth.session_cache) until they are due for renewal or
something they depend on changes: code that changes a grant outside the ORM calls
`forget_user_sessions`.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from widget.auth.clock import as_utc, utcnow
from widget.auth.launch import Launch
from widget.auth.models import PanelSession, User
from widget.auth.session_cache import (
    Snapshot,
    session_cache,
    token_message,
    user_message,
    workspace_message,
)

SESSION_HEADER = "X-Widget-Session"
DEFAULT_IDLE_SECONDS = 15 * 60
MAX_TOKEN_LENGTH = 128


def idle_timeout() -> timedelta:
    return timedelta(seconds=current_app.config.get("PANEL_SESSION_IDLE_SECONDS", 900))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, launch: Launch, user: User) -> tuple[str, PanelSession]:
    """A new session for a verified launch; returns (token for the page, the stored row)."""
    now = utcnow()
    session.execute(delete(PanelSession).where(PanelSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    panel = PanelSession(
        token_hash=hash_token(token),
        workspace_id=launch.workspace_id,
        user=user,
        panel=launch.panel,
        record=launch.record.to_dict(),
        locale=launch.user.locale,
        created_at=now,
        last_seen_at=now,
        expires_at=now + idle_timeout(),
    )
    session.add(panel)
    session.commit()
    return token, panel


def _renew_after(timeout: timedelta) -> timedelta:
    """Write the renewal at most about once a minute (a tenth of the timeout when it is short)."""
    return min(timedelta(seconds=60), timeout / 10)


def load_session(session: Session, token: str | None, now: datetime | None = None):
    """The live PanelSession for a header value, renewed while in use; None when unknown/expired.
    From the process's cache while the session needs no renewal, else from the database."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    digest = hash_token(token)
    timeout = idle_timeout()
    cache = session_cache()
    cached = cache.get(digest)
    if cached is not None and now - as_utc(cached.panel["last_seen_at"]) < _renew_after(timeout):
        return cached.attach(session)
    generation = cache.generation
    query = select(PanelSession).where(PanelSession.token_hash == digest)
    panel = session.scalars(query).first()
    if panel is None or as_utc(panel.expires_at) <= now:
        return None
    if now - as_utc(panel.last_seen_at) >= _renew_after(timeout):
        panel.last_seen_at = now
        panel.expires_at = now + timeout
        session.commit()
    cache.put(digest, Snapshot.of(panel), read_at_generation=generation)
    return panel


def end_session(session: Session, token: str) -> None:
    digest = hash_token(token)
    session.execute(delete(PanelSession).where(PanelSession.token_hash == digest))
    session.commit()
    session_cache().forget([token_message(digest)])


def forget_user_sessions(workspace_id: str, user_id: int) -> None:
    """Every process stops using its cached sessions of this user: call it after changing a
    grant by any means SQLAlchemy's ORM does not see (ORM changes are noticed on commit)."""
    session_cache().forget([user_message(workspace_id, user_id)])


def forget_workspace_sessions(workspace_id: str) -> None:
    """The same for every session of a workspace (its origins or settings changed)."""
    session_cache().forget([workspace_message(workspace_id)])
