"""Panel sessions: after a launch, the panel works on a random token of ours, not on cookies.

The token reaches the page once (a <meta> tag) and comes back in the `X-Widget-Session` header of
each htmx request, so the widget works with third-party cookies blocked and a cross-site form
cannot ride on it. Only its SHA-256 is stored, so a database leak does not leak live sessions.
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
    """The live PanelSession for a header value, renewed while in use; None when unknown/expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    query = select(PanelSession).where(PanelSession.token_hash == hash_token(token))
    panel = session.scalars(query).first()
    if panel is None or as_utc(panel.expires_at) <= now:
        return None
    timeout = idle_timeout()
    if now - as_utc(panel.last_seen_at) >= _renew_after(timeout):
        panel.last_seen_at = now
        panel.expires_at = now + timeout
        session.commit()
    return panel


def end_session(session: Session, token: str) -> None:
    session.execute(delete(PanelSession).where(PanelSession.token_hash == hash_token(token)))
    session.commit()
