"""The consent flow: start (panel), begin (popup), Xero, callback (popup), complete/pick (panel).

Why it has these steps: a `state` sent to another company's admin must not connect their Xero
organisation to the sender's workspace (connect CSRF). So
- the callback connects nothing: it exchanges the code (once) and keeps the tokens and the
  organisations sealed on the PendingConnect;
- it accepts a state only from the browser whose popup the panel handed it (widget.connection.
  binding), so a consent link opened in another browser brings nothing back;
- only the panel session that started the flow (same workspace AND same user) completes it or
  picks the organisation; anyone else gets 403 and the flow stays untouched.
The state is random, single use and dies after ten minutes; the PKCE verifier and the waiting
tokens are encrypted at rest.
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
from widget.connection.tokens import Grant, as_utc, seal_grant, unseal_grant, utcnow
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
OTHER_BROWSER = (
    "This Xero sign-in was not started in this browser, so nothing was connected. "
    "Only connect Xero from your own CRM's admin page; you can close this window."
)
NOT_YOURS = (
    "This Xero sign-in was started by someone else, so it cannot be finished here. "
    "Nothing was connected."
)
NOT_OFFERED = "Choose one of the organisations listed."


@dataclass(frozen=True)
class Started:
    state: str
    authorize_url: str


@dataclass(frozen=True)
class Choose:
    """Several organisations were authorised: the admin picks one in the panel."""

    state: str
    organisations: list[Connection]


@dataclass(frozen=True)
class NotFinished:
    """The panel asked to complete before the popup came back from Xero (closed early, or
    Xero's pages cut the link between the windows and the sign-in is still going on)."""

    state: str


class NotOffered(ConnectFlowError):
    """The pick named an organisation this grant does not cover; the choice stays open."""

    def __init__(self, choice: Choose):
        super().__init__(NOT_OFFERED)
        self.choice = choice


def _session() -> Session:
    return current_app.extensions["db_sessionmaker"]()


def start(session: Session, workspace_id: str, user_id: int, redirect_uri: str) -> Started:
    """A new pending flow for this admin: its state and Xero's authorize URL for the popup."""
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
    return Started(state, url)


def _live_pending(session: Session, state: str) -> PendingConnect:
    pending = session.get(PendingConnect, state) if 0 < len(state) <= 64 else None
    if pending is None or as_utc(pending.expires_at) < utcnow():
        raise ConnectFlowError(EXPIRED)
    user = session.get(User, pending.user_id)
    if user is None or not user.is_admin or user.workspace_id != pending.workspace_id:
        raise ConnectFlowError("Only an admin of this CRM account can connect Xero.", 403)
    return pending


def _owned_pending(session: Session, state: str, workspace_id: str, user_id: int):
    """The live flow, if this panel's admin started it; 403 for anyone else (logged)."""
    pending = _live_pending(session, state)
    if pending.workspace_id != workspace_id or pending.user_id != user_id:
        log.warning(
            "xero consent flow: a panel tried to finish another admin's sign-in",
            extra={"fields": {"workspace_id": workspace_id, "owner": pending.workspace_id}},
        )
        raise ConnectFlowError(NOT_YOURS, 403)
    return pending


def _forget(state: str) -> None:
    with _session() as session:
        session.execute(delete(PendingConnect).where(PendingConnect.state == state))
        session.commit()


def bindable(state: str) -> None:
    """The popup may only bind itself to a flow that is live and not yet back from Xero."""
    with _session() as session:
        if _live_pending(session, state).tokens_encrypted is not None:
            raise ConnectFlowError(EXPIRED)


def refuse(state: str) -> None:
    """The admin said no at Xero (error=access_denied): the flow ends here."""
    _forget(state)


def receive(state: str, code: str, redirect_uri: str, *, bound: bool) -> int:
    """Exchange the code (once) and keep the grant for the panel; connects nothing.

    `bound`: this browser is the one the panel handed the state to. If not, someone sent the
    consent link around: the flow dies, so nobody can finish it. Returns how many organisations
    the admin allowed."""
    with _session() as session:
        pending = _live_pending(session, state)
        if not bound:
            if pending.tokens_encrypted is not None:
                raise ConnectFlowError(EXPIRED)
            log.warning("xero consent came back to a browser that did not start it")
            _forget(state)
            raise ConnectFlowError(OTHER_BROWSER, 403)
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
    with _session() as session:
        session.execute(
            update(PendingConnect)
            .where(PendingConnect.state == state, PendingConnect.tokens_encrypted == CLAIMED)
            .values(tokens_encrypted=seal_grant(Grant(tokens, organisations)))
        )
        session.commit()
    return len(organisations)


def complete(state: str, workspace_id: str, user_id: int) -> Connected | Choose | NotFinished:
    """The panel's admin finishes: the one organisation is connected, several are offered."""
    with _session() as session:
        pending = _owned_pending(session, state, workspace_id, user_id)
        sealed = pending.tokens_encrypted
    if not sealed:  # None: not back from Xero yet; CLAIMED: the callback is exchanging the code
        return NotFinished(state)
    grant = unseal_grant(sealed)
    if len(grant.organisations) > 1:
        return Choose(state, grant.organisations)
    _take(state, sealed)
    return connect(workspace_id, user_id, grant.tokens, grant.organisations[0])


def pick(state: str, tenant_id: str, workspace_id: str, user_id: int) -> Connected:
    """Connect the organisation the panel's admin chose among those this grant covers."""
    with _session() as session:
        pending = _owned_pending(session, state, workspace_id, user_id)
        sealed = pending.tokens_encrypted
    if not sealed:
        raise ConnectFlowError(EXPIRED)
    grant = unseal_grant(sealed)
    chosen = next((org for org in grant.organisations if org.tenant_id == tenant_id), None)
    if chosen is None:
        raise NotOffered(Choose(state, grant.organisations))
    _take(state, sealed)
    return connect(workspace_id, user_id, grant.tokens, chosen)


def _take(state: str, sealed: str) -> None:
    """Use the grant up: exactly one completion wins, even when two race."""
    with _session() as session:
        taken = session.execute(
            delete(PendingConnect).where(
                PendingConnect.state == state, PendingConnect.tokens_encrypted == sealed
            )
        )
        session.commit()
    if taken.rowcount != 1:
        raise ConnectFlowError(EXPIRED)


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
