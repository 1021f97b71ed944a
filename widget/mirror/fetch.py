"""Webhook follow-ups: Xero's events name documents by id only, so fetch those (in batches of at
most 50 ids a call: longer id lists fail on URL length) into every workspace's mirror of that
organisation, each through the workspace's own connection. Only mirrors that exist are written
(a workspace whose first sync has not begun gets everything from it anyway)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import select

from widget.connection.errors import ConnectionProblem
from widget.connection.models import XeroConnection
from widget.mirror.merges import follow_merges
from widget.mirror.models import MirrorState
from widget.mirror.rows import upsert
from widget.mirror.xero_access import background_client
from widget.xero import XeroClient, XeroNotFound

log = logging.getLogger(__name__)

#: ids per call (Xero's URL length limit is about 50 GUIDs)
ID_BATCH = 50
KINDS = ("contacts", "invoices", "credit_notes")


def batches(ids: Iterable[str], size: int = ID_BATCH) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def workspaces_mirroring(tenant_id: str) -> list[str]:
    """Workspaces connected (running) to this organisation that keep a mirror of it."""
    with current_app.extensions["db_sessionmaker"]() as session:
        return list(
            session.scalars(
                select(XeroConnection.workspace_id)
                .join(
                    MirrorState,
                    (MirrorState.workspace_id == XeroConnection.workspace_id)
                    & (MirrorState.tenant_id == XeroConnection.tenant_id),
                )
                .where(XeroConnection.tenant_id == tenant_id, XeroConnection.status == "running")
            )
        )


def fetch_into_mirrors(tenant_id: str, changed: dict[str, list[str]]) -> int:
    """Fetch the changed documents for each mirroring workspace; returns the Xero calls made."""
    calls = 0
    for workspace_id in workspaces_mirroring(tenant_id):
        try:
            client = background_client(workspace_id)
        except ConnectionProblem:
            continue
        if client.tenant_id != tenant_id:
            continue
        calls += _fetch(client, workspace_id, tenant_id, changed)
    return calls


def _fetch(client: XeroClient, workspace_id: str, tenant_id: str, changed: dict) -> int:
    calls = 0
    for batch in batches(changed.get("contacts") or ()):
        found = client.contacts(ids=batch, include_archived=True, page=1).items
        calls += 1
        _store(workspace_id, tenant_id, found, contacts=True)
    for batch in batches(changed.get("invoices") or ()):
        found = client.invoices(ids=batch, summary_only=True, page=1).items
        calls += 1
        _store(workspace_id, tenant_id, found)
    for credit_note_id in dict.fromkeys(changed.get("credit_notes") or ()):
        calls += 1  # CreditNotes has no IDs filter: one call each (they change rarely)
        try:
            _store(workspace_id, tenant_id, [client.credit_note(credit_note_id)])
        except XeroNotFound:
            log.info("mirror: a credit note named by a webhook is not in Xero")
    return calls


def _store(workspace_id: str, tenant_id: str, documents: list, contacts: bool = False) -> None:
    if not documents:
        return
    with current_app.extensions["db_sessionmaker"]() as session:
        upsert(session, workspace_id, tenant_id, documents)
        if contacts:
            follow_merges(session, workspace_id, tenant_id, documents)
        session.commit()
