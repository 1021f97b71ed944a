"""`client_for(workspace_id)`: a Xero client with a live access token, for the panels.

Tokens are refreshed shortly before they expire, and again when Xero answers 401 TokenExpired.
Refresh tokens rotate, so two workers refreshing the same connection at once would kill it
(invalid_grant): every refresh runs under the connection's lock, re-reads the row, and skips the
call to Xero when `token_version` shows another worker already refreshed.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from widget.auth import audit
from widget.connection.errors import NeedsReauthorisation, NotConnected
from widget.connection.locks import ConnectionLock, DatabaseRowLock
from widget.connection.models import XeroConnection
from widget.connection.tokens import seal, unseal, utcnow
from widget.shared.redis import shared_redis
from widget.xero import TokenSet, XeroClient, XeroEndpoints, XeroNeedsReauthorisation, XeroOAuth
from widget.xero.governor import INTERACTIVE, Governor
from widget.xero.governor_redis import RedisGovernorStore
from widget.xero_usage import DatabaseUsageRecorder

log = logging.getLogger(__name__)

#: refresh when less than this is left, so a call never starts with a token about to die
REFRESH_MARGIN_SECONDS = 120
#: app.extensions key of the budget governor (tests install one on a clock they can move)
GOVERNOR_EXTENSION = "xero_governor"


def usable_tokens(connection: XeroConnection | None, workspace_id: str) -> tuple[TokenSet, int]:
    """The connection's tokens and version, or the reason they cannot be used."""
    if connection is None or connection.status == "disconnected":
        raise NotConnected(workspace_id)
    if connection.status == "needs_reauthorisation" or not connection.tokens_encrypted:
        raise NeedsReauthorisation(workspace_id)
    return unseal(connection.tokens_encrypted), connection.token_version


def store_tokens(connection: XeroConnection, tokens: TokenSet) -> None:
    """Seal new tokens into the row and bump its version (racing workers compare it)."""
    connection.tokens_encrypted = seal(tokens)
    connection.access_expires_at = tokens.expires_at
    connection.token_version = (connection.token_version or 0) + 1
    connection.updated_at = utcnow()


def mark_needs_reauthorisation(session: Session, connection: XeroConnection, reason: str) -> None:
    """Xero refused the grant: forget the dead tokens, ask an admin to reconnect (audited)."""
    if connection.status == "needs_reauthorisation":
        return
    connection.status = "needs_reauthorisation"
    connection.tokens_encrypted = None
    connection.access_expires_at = None
    connection.token_version = (connection.token_version or 0) + 1
    connection.updated_at = utcnow()
    audit.record(
        session,
        connection.workspace_id,
        None,
        "xero.needs_reauthorisation",
        connection.tenant_id or "",
        reason=reason,
        tenant_name=connection.tenant_name,
    )
    log.warning(
        "xero connection needs re-authorisation",
        extra={"fields": {"workspace_id": connection.workspace_id, "reason": reason}},
    )


class TokenKeeper:
    """Reads a connection's tokens and refreshes them, one refresh per connection at a time."""

    def __init__(
        self,
        make_session: sessionmaker,
        lock: ConnectionLock,
        oauth: Callable[[], XeroOAuth],
        margin_seconds: int = REFRESH_MARGIN_SECONDS,
    ):
        self.make_session = make_session
        self.lock = lock
        self.oauth = oauth
        self.margin_seconds = margin_seconds

    def current(self, workspace_id: str) -> "ConnectionTokens":
        with self.make_session() as session:
            connection = session.scalars(
                select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
            ).first()
            tokens, version = usable_tokens(connection, workspace_id)
            tenant_id = connection.tenant_id or ""
        holder = ConnectionTokens(workspace_id, tenant_id, tokens, version, self)
        holder.access_token()  # refresh now if it is about to expire
        return holder

    def refresh(self, workspace_id: str, seen_version: int, *, force: bool) -> tuple[TokenSet, int]:
        """Fresh tokens: ours refreshed under the lock, or the ones another worker just stored.

        `force` (after a 401) refreshes even if our token does not look expired yet.
        """
        refused: XeroNeedsReauthorisation | None = None
        with self.lock.hold(workspace_id) as (session, connection):
            tokens, version = usable_tokens(connection, workspace_id)
            if version != seen_version:
                return tokens, version  # another worker refreshed while we waited
            if not force and not tokens.expires_within(self.margin_seconds):
                return tokens, version
            try:
                fresh = self.oauth().refresh(tokens.refresh_token)
            except XeroNeedsReauthorisation as exc:
                refused = exc
                mark_needs_reauthorisation(session, connection, "refresh refused (invalid_grant)")
            else:
                store_tokens(connection, fresh)
                log.info(
                    "xero access token refreshed",
                    extra={"fields": {"workspace_id": workspace_id, "version": version + 1}},
                )
                return fresh, connection.token_version
        raise NeedsReauthorisation(workspace_id) from refused


@dataclass
class ConnectionTokens:
    """One worker's copy of a connection's tokens, handed to the Xero client as callables."""

    workspace_id: str
    tenant_id: str
    tokens: TokenSet
    version: int
    keeper: TokenKeeper
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def access_token(self) -> str:
        with self._guard:
            if self.tokens.expires_within(self.keeper.margin_seconds):
                self._adopt(self.keeper.refresh(self.workspace_id, self.version, force=False))
            return self.tokens.access_token

    def refresh_access_token(self) -> str:
        """The client's hook after Xero said 401 TokenExpired."""
        with self._guard:
            self._adopt(self.keeper.refresh(self.workspace_id, self.version, force=True))
            return self.tokens.access_token

    def _adopt(self, fresh: tuple[TokenSet, int]) -> None:
        self.tokens, self.version = fresh

    def __repr__(self) -> str:  # never show tokens, even in a traceback
        return f"ConnectionTokens(workspace_id={self.workspace_id!r}, version={self.version})"


def _request_root() -> str | None:
    return request.url_root if has_request_context() else None


def endpoints() -> XeroEndpoints:
    return XeroEndpoints.from_config(current_app.config, _request_root())


def xero_oauth() -> XeroOAuth:
    return XeroOAuth.from_config(current_app.config, _request_root())


def connection_lock() -> ConnectionLock:
    """The app's refresh lock (the database row unless something else was installed)."""
    lock = current_app.extensions.get("xero_connection_lock")
    return lock or DatabaseRowLock(current_app.extensions["db_sessionmaker"])


def token_keeper() -> TokenKeeper:
    oauth = xero_oauth()
    return TokenKeeper(current_app.extensions["db_sessionmaker"], connection_lock(), lambda: oauth)


_governor_lock = threading.Lock()


def governor() -> Governor:
    """The app's budget governor (one per app: its state is every organisation's limits).
    Installed by `create_app`'s caller or made on first use from the GOVERNOR_* config."""
    extensions = current_app.extensions
    if GOVERNOR_EXTENSION not in extensions:
        with _governor_lock:
            if GOVERNOR_EXTENSION not in extensions:
                store = _shared_governor_store()
                extensions[GOVERNOR_EXTENSION] = Governor.from_config(current_app.config, store)
    return extensions[GOVERNOR_EXTENSION]


def _shared_governor_store():
    """With REDIS_URL the governor's limits live in Redis, shared by every worker and host;
    without it (None) in this process's memory."""
    shared = shared_redis()
    return RedisGovernorStore(shared) if shared is not None else None


def client_for(workspace_id: str, *, call_class: str = INTERACTIVE) -> XeroClient:
    """A client for the workspace's connected organisation, every call under the governor.

    `call_class` is "interactive" (a person waits: panels, drafts) or "background" (sync), which
    stops earlier when the budget runs low. Raises NotConnected or NeedsReauthorisation (see
    `message_for(is_admin)` for what to show).
    """
    tokens = token_keeper().current(workspace_id)
    return XeroClient(
        endpoints(),
        tokens.tenant_id,
        access_token=tokens.access_token,
        refresh_access_token=tokens.refresh_access_token,
        timeout=current_app.config["XERO_TIMEOUT_SECONDS"],
        recorder=DatabaseUsageRecorder(current_app.extensions["db_sessionmaker"]),
        governor=governor(),
        workspace_id=workspace_id,
        call_class=call_class,
    )


def report_needs_reauthorisation(workspace_id: str, reason: str) -> None:
    """For panels whose call Xero refused for good (e.g. 403: the organisation was disconnected
    in Xero): mark the connection so admins see Reconnect and reps a plain message."""
    with connection_lock().hold(workspace_id) as (session, connection):
        if connection is not None and connection.status == "running":
            mark_needs_reauthorisation(session, connection, reason)
