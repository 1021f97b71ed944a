"""Workspaces' live signing secrets, decrypted once and kept in process, so verifying a launch
token costs no database round trip.

A cached secret is never trusted on its own: the statement that spends the token's `jti`
(widget.auth.opening) only writes when the secret that verified it is still unretired in the
database, so `retire-secrets` takes effect at once in every process. A token signed with a secret
newer than the cached ones (after `rotate-secret`) misses the cache and reloads it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cachetools import LRUCache
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from widget.auth.models import Workspace, WorkspaceSecret
from widget.crypto import vault

EXTENSION = "auth_signing_keys"
MAX_WORKSPACES = 4096


@dataclass(frozen=True)
class SigningKey:
    id: int
    secret: str


class SigningKeys:
    """workspace id -> its live secrets, newest first (None: no such workspace)."""

    def __init__(self, maxsize: int = MAX_WORKSPACES) -> None:
        self._items: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get(self, session: Session, workspace_id: str, *, reload: bool = False):
        """The live keys of the workspace (None when there is no such workspace)."""
        if not reload:
            with self._lock:
                if workspace_id in self._items:
                    return self._items[workspace_id]
        keys = load_keys(session, workspace_id)
        if keys is not None:  # unknown issuers are not remembered: they could crowd out real ones
            with self._lock:
                self._items[workspace_id] = keys
        return keys

    def forget(self, workspace_id: str) -> None:
        with self._lock:
            self._items.pop(workspace_id, None)


def load_keys(session: Session, workspace_id: str) -> tuple[SigningKey, ...] | None:
    """The workspace's live keys from the database, newest first (None: no such workspace)."""
    if session.get(Workspace, workspace_id) is None:
        return None
    return _live_keys(session, workspace_id)


def _live_keys(session: Session, workspace_id: str) -> tuple[SigningKey, ...]:
    query = (
        select(WorkspaceSecret.id, WorkspaceSecret.secret_encrypted)
        .join(Workspace, Workspace.id == WorkspaceSecret.workspace_id)
        .where(WorkspaceSecret.workspace_id == workspace_id, WorkspaceSecret.retired_at.is_(None))
        .order_by(WorkspaceSecret.id.desc())
    )
    return tuple(
        SigningKey(row.id, vault().decrypt(row.secret_encrypted)) for row in session.execute(query)
    )


def signing_keys() -> SigningKeys:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = SigningKeys()
