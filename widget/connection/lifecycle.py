"""Connecting an organisation to a workspace, and disconnecting it, under the connection's lock.

The row outlives Disconnect with its tenant id, because links and settings are stored by workspace
and tenant: reconnecting the same organisation brings them back, another organisation hides them.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from widget.auth import audit
from widget.auth.models import User
from widget.connection.models import XeroConnection
from widget.connection.service import client_for, connection_lock, store_tokens, xero_oauth
from widget.connection.signals import organisation_fetched
from widget.connection.tokens import unseal, utcnow
from widget.xero.errors import XeroError
from widget.xero.tokens import Connection, TokenSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connected:
    tenant_name: str
    #: the same organisation as before: its links and settings are back
    restored: bool


def _ensure_row(workspace_id: str) -> None:
    """Create the workspace's (empty) connection row once, so there is always a row to lock."""
    with current_app.extensions["db_sessionmaker"]() as session:
        if session.query(XeroConnection.id).filter_by(workspace_id=workspace_id).first():
            return
        session.add(XeroConnection(workspace_id=workspace_id, updated_at=utcnow()))
        try:
            session.commit()
        except IntegrityError:  # another worker created it first
            session.rollback()


def connect(workspace_id: str, user_id: int, tokens: TokenSet, chosen: Connection) -> Connected:
    """Store the new grant for the chosen organisation; status Running (audited)."""
    _ensure_row(workspace_id)
    with connection_lock().hold(workspace_id) as (session, row):
        previous_tenant = row.tenant_id
        row.tenant_id = chosen.tenant_id
        row.tenant_name = chosen.tenant_name
        row.xero_connection_id = chosen.id
        row.status = "running"
        store_tokens(row, tokens)
        row.connected_by_user_id = user_id
        row.connected_at = utcnow()
        restored = previous_tenant == chosen.tenant_id
        details = {"tenant_name": chosen.tenant_name, "restored": restored}
        if previous_tenant and not restored:
            details["previous_tenant_id"] = previous_tenant
        user = session.get(User, user_id)
        audit.record(session, workspace_id, user, "xero.connected", chosen.tenant_id, **details)
    _first_call(workspace_id)
    _start_mirror(workspace_id, chosen.tenant_id)
    return Connected(chosen.tenant_name, restored)


def _start_mirror(workspace_id: str, tenant_id: str) -> None:
    """Queue the organisation's first sync (or, for an organisation connected before, an
    incremental one); it runs in the background, so connecting never waits for it."""
    from widget.mirror.service import start_sync, switched_on

    if not switched_on("MIRROR_START_ON_CONNECT"):
        return
    try:
        start_sync(workspace_id, tenant_id)
    except Exception:  # the queue being down must not undo a connection; panels retry it
        log.exception("mirror: could not queue the first sync")


def _first_call(workspace_id: str) -> None:
    """One Accounting call right away, so the admin page can say when Xero last answered and how
    many calls are left today; a failure here does not undo the connection."""
    try:
        client = client_for(workspace_id)
        organisation = client.organisation()
    except XeroError as exc:
        log.warning(
            "xero: first call after connecting failed: %s",
            exc,
            extra={"fields": {"workspace_id": workspace_id}},
        )
        return
    organisation_fetched.send(workspace_id, tenant_id=client.tenant_id, organisation=organisation)


def disconnect(workspace_id: str, user_id: int) -> bool:
    """Revoke at Xero, forget the tokens, keep the tenant. False if nothing was connected."""
    with connection_lock().hold(workspace_id) as (session, row):
        if row is None or (row.status == "disconnected" and not row.tokens_encrypted):
            return False
        revoked = _revoke(row)
        row.status = "disconnected"
        row.tokens_encrypted = None
        row.access_expires_at = None
        row.token_version = (row.token_version or 0) + 1
        row.updated_at = utcnow()
        audit.record(
            session,
            workspace_id,
            session.get(User, user_id),
            "xero.disconnected",
            row.tenant_id or "",
            tenant_name=row.tenant_name,
            revoked_at_xero=revoked,
        )
    return True


def _revoke(row: XeroConnection) -> bool:
    """Remove the organisation's connection and revoke the grant; Xero being down must not keep
    an admin from forgetting the tokens, so failures are logged and reported, not raised."""
    if not row.tokens_encrypted:
        return False
    tokens = unseal(row.tokens_encrypted)
    oauth = xero_oauth()
    fields = {"workspace_id": row.workspace_id, "tenant_id": row.tenant_id}
    if row.xero_connection_id and not tokens.expires_within(30):
        try:
            oauth.delete_connection(tokens.access_token, row.xero_connection_id)
        except (XeroError, ValueError) as exc:
            log.warning("xero: could not delete the connection: %s", exc, extra={"fields": fields})
    try:
        oauth.revoke(tokens.refresh_token)
    except XeroError as exc:
        log.warning("xero: could not revoke the grant: %s", exc, extra={"fields": fields})
        return False
    return True
