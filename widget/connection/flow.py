"""The consent flow in the popup: start → Xero → callback → (pick) → connected.

`state` is the only thing that authorises the callback and the pick (top-level pages without a
panel session), so it is random, bound to the workspace and the admin who started, single use, and
dies after ten minutes. The PKCE verifier and any tokens waiting for a pick are encrypted at rest.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from widget.auth.models import User
from widget.connection.errors import ConnectFlowError
from widget.connection.lifecycle import Connected, connect
from widget.connection.models import PendingConnect
from widget.connection.service import xero_oauth
from widget.connection.tokens import as_utc, seal, unseal, utcnow
from widget.crypto import vault
from widget.xero.errors import XeroError, XeroUnavailable
from widget.xero.tokens import Connection

log = logging.getLogger(__name__)

PENDING_LIFETIME = timedelta(minutes=10)
#: marks a pending flow whose code is being exchanged (so the callback cannot run twice)
CLAIMED = ""

EXPIRED = "This Xero sign-in has expired or was already used. Start again from the admin page."
DENIED = "Xero access was not granted, so nothing was connected. You can close this window."
NO_ORGANISATION = "No Xero organisation was chosen, so nothing was connected. Please try again."
XERO_REFUSED = "Xero did not accept the sign-in. Please start again from the admin page."
XERO_DOWN = "Xero could not be reached. Please try again in a few minutes."


@dataclass(frozen=True)
class Choose:
    """Several organisations were authorised: the admin picks one in the popup."""

    state: str
    organisations: list[Connection]


def _session() -> Session:
    return current_app.extensions["db_sessionmaker"]()


def start(session: Session, workspace_id: str, user_id: int, redirect_uri: str) -> str:
    """A new pending flow; returns Xero's authorize URL for the popup."""
    now = utcnow()
    session.execute(delete(PendingConnect).where(PendingConnect.expires_at < now))
    state = secrets.token_urlsafe(32)
    url, verifier = xero_oauth().authorization_url(redirect_uri, state)
    session.add(
        PendingConnect(
            state=state,
            workspace_id=workspace_id,
            user_id=user_id,
            code_verifier_encrypted=vault().encrypt(verifier),
            created_at=now,
            expires_at=now + PENDING_LIFETIME,
        )
    )
    session.commit()
    return url


def _live_pending(session: Session, state: str) -> PendingConnect:
    pending = session.get(PendingConnect, state) if 0 < len(state) <= 64 else None
    if pending is None or as_utc(pending.expires_at) < utcnow():
        raise ConnectFlowError(EXPIRED)
    user = session.get(User, pending.user_id)
    if user is None or not user.is_admin or user.workspace_id != pending.workspace_id:
        raise ConnectFlowError("Only an admin of this CRM account can connect Xero.", 403)
    return pending


def _forget(state: str) -> None:
    with _session() as session:
        session.execute(delete(PendingConnect).where(PendingConnect.state == state))
        session.commit()


def refuse(state: str) -> None:
    """The admin said no at Xero (error=access_denied): the flow ends here."""
    _forget(state)


def finish(state: str, code: str, redirect_uri: str) -> Connected | Choose:
    """Exchange the code (once), then connect the one organisation or offer the choice."""
    with _session() as session:
        pending = _live_pending(session, state)
        claimed = session.execute(
            update(PendingConnect)
            .where(PendingConnect.state == state, PendingConnect.tokens_encrypted.is_(None))
            .values(tokens_encrypted=CLAIMED)
        )
        session.commit()
        if claimed.rowcount != 1:
            raise ConnectFlowError(EXPIRED)
        verifier = vault().decrypt(pending.code_verifier_encrypted)
    try:
        oauth = xero_oauth()
        tokens = oauth.exchange_code(code, redirect_uri, verifier)
        organisations = _organisations(oauth.connections(tokens.access_token))
    except XeroError as exc:
        _forget(state)
        raise _flow_error(exc) from exc
    except ConnectFlowError:
        _forget(state)
        raise
    if len(organisations) == 1:
        _forget(state)
        return connect(pending.workspace_id, pending.user_id, tokens, organisations[0])
    with _session() as session:
        session.execute(
            update(PendingConnect)
            .where(PendingConnect.state == state)
            .values(tokens_encrypted=seal(tokens))
        )
        session.commit()
    return Choose(state, organisations)


def pick(state: str, tenant_id: str) -> Connected:
    """Connect the organisation the admin chose among those this grant may use."""
    with _session() as session:
        pending = _live_pending(session, state)
        if not pending.tokens_encrypted:
            raise ConnectFlowError(EXPIRED)
        tokens = unseal(pending.tokens_encrypted)
    try:
        organisations = _organisations(xero_oauth().connections(tokens.access_token))
    except XeroError as exc:
        raise _flow_error(exc) from exc
    chosen = next((org for org in organisations if org.tenant_id == tenant_id), None)
    if chosen is None:
        raise ConnectFlowError("Choose one of the organisations listed.")
    with _session() as session:
        taken = session.execute(
            delete(PendingConnect).where(
                PendingConnect.state == state, PendingConnect.tokens_encrypted.is_not(None)
            )
        )
        session.commit()
    if taken.rowcount != 1:
        raise ConnectFlowError(EXPIRED)
    return connect(pending.workspace_id, pending.user_id, tokens, chosen)


def _organisations(connections: list[Connection]) -> list[Connection]:
    organisations = [c for c in connections if c.tenant_type.upper() == "ORGANISATION"]
    if not organisations:
        raise ConnectFlowError(NO_ORGANISATION)
    return sorted(organisations, key=lambda c: c.tenant_name.lower())


def _flow_error(exc: XeroError) -> ConnectFlowError:
    log.warning("xero consent flow failed: %s", exc)
    if isinstance(exc, XeroUnavailable):
        return ConnectFlowError(XERO_DOWN, 503)
    return ConnectFlowError(XERO_REFUSED, 502)
