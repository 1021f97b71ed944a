"""Panel sessions kept in process, so a warm request does not ask the database for its session.

What may change under a cached session is dropped from every process the moment it changes:
- a user's grant or admin flag, a workspace's origins or settings, a changed or deleted user,
  workspace or session: noticed by SQLAlchemy events when the change commits, whatever code
  made it (the admin page, the CLI, a launch that says the user is no longer a CRM admin), or
  said outright with `forget_user_sessions` / `forget_workspace_sessions`;
- with REDIS_URL, each process publishes what it forgot on a Redis channel that every process
  listens to. A process uses its cache only while it is listening: when Redis goes away it reads
  sessions from the database, and when it is back it starts from an empty cache (it may have
  missed a message meanwhile).
An entry also lapses when its session is due for renewal (about a minute): the renewal is a write
to the database anyway. Without REDIS_URL (one process) a change made by another process (the
CLI) is seen within that minute.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cachetools import LRUCache
from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from widget.auth.models import PanelSession, User, Workspace
from widget.db import adopt, loaded
from widget.shared.bus import InvalidationBus, bus_for

EXTENSION = "auth_session_cache"
CHANNEL = "sessions:forget"
MAX_SESSIONS = 20_000
_PANEL_FIELDS = ("token_hash", "workspace_id", "user_id", "panel", "record", "locale",
                 "created_at", "last_seen_at", "expires_at")  # fmt: skip
_USER_FIELDS = ("id", "workspace_id", "crm_user_id", "name", "email", "is_admin", "access",
                "first_seen_at", "last_seen_at")  # fmt: skip
_WORKSPACE_FIELDS = ("id", "name", "allowed_origins", "settings", "created_at")
#: changes that make a cached session wrong
_USER_WATCHED = ("access", "is_admin", "name", "email")
_WORKSPACE_WATCHED = ("allowed_origins", "settings", "name")


@dataclass(frozen=True)
class Snapshot:
    """A session as loaded (its row, its user, its workspace), to rebuild without SQL."""

    panel: dict
    user: dict
    workspace: dict

    @classmethod
    def of(cls, panel: PanelSession) -> Snapshot:
        return cls(
            {name: getattr(panel, name) for name in _PANEL_FIELDS},
            {name: getattr(panel.user, name) for name in _USER_FIELDS},
            {name: getattr(panel.workspace, name) for name in _WORKSPACE_FIELDS},
        )

    def attach(self, session: Session) -> PanelSession:
        """The session as persistent rows of `session`, as if just loaded."""
        user, workspace = loaded(User, **self.user), loaded(Workspace, **self.workspace)
        panel = loaded(PanelSession, **self.panel, user=user, workspace=workspace)
        return adopt(session, panel, user, workspace)


class SessionCache:
    def __init__(self, bus: InvalidationBus | None = None, maxsize: int = MAX_SESSIONS) -> None:
        self._items: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._bus = bus
        #: bumped by every forget: a session read before a forget is not cached after it
        self.generation = 0
        if bus is not None:
            bus.subscribe(CHANNEL, lambda text: self._apply(text.split("\n")), self.clear)

    @property
    def usable(self) -> bool:
        return self._bus is None or self._bus.listening

    def get(self, token_hash: str) -> Snapshot | None:
        if not self.usable:
            return None
        with self._lock:
            return self._items.get(token_hash)

    def put(self, token_hash: str, snapshot: Snapshot, *, read_at_generation: int) -> None:
        with self._lock:
            if self.usable and read_at_generation == self.generation:
                self._items[token_hash] = snapshot

    def forget(self, messages: list[str]) -> None:
        """Drop matching sessions here and (with Redis) in every other process."""
        if not messages:
            return
        self._apply(messages)
        if self._bus is not None:
            self._bus.publish(CHANNEL, "\n".join(messages))

    def _apply(self, messages: list[str]) -> None:
        with self._lock:
            self.generation += 1
            for message in messages:
                kind, _, rest = message.partition(" ")
                for key, snapshot in list(self._items.items()):
                    if _matches(kind, rest, key, snapshot):
                        self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._items.clear()

    def stop(self) -> None:
        if self._bus is not None:
            self._bus.stop()


def _matches(kind: str, rest: str, token_hash: str, snapshot: Snapshot) -> bool:
    if kind == "token":
        return token_hash == rest
    workspace_id, _, user_id = rest.partition(" ")
    if snapshot.panel["workspace_id"] != workspace_id:
        return False
    return kind == "workspace" or (kind == "user" and str(snapshot.panel["user_id"]) == user_id)


def user_message(workspace_id: str, user_id: int) -> str:
    return f"user {workspace_id} {user_id}"


def workspace_message(workspace_id: str) -> str:
    return f"workspace {workspace_id}"


def token_message(token_hash: str) -> str:
    return f"token {token_hash}"


def session_cache(app: Flask | None = None) -> SessionCache:
    return (app or current_app).extensions[EXTENSION]


# noticing changes as they commit ---------------------------------------------------------------


def _changed(row, names) -> bool:
    state = inspect(row)
    return any(state.attrs[name].history.has_changes() for name in names)


def _collect(session: Session, _flush_context) -> None:
    found = session.info.setdefault("forget_sessions", set())
    for row in session.dirty:
        if isinstance(row, User) and _changed(row, _USER_WATCHED):
            found.add(user_message(row.workspace_id, row.id))
        elif isinstance(row, Workspace) and _changed(row, _WORKSPACE_WATCHED):
            found.add(workspace_message(row.id))
        elif isinstance(row, PanelSession):  # renewed, or changed by hand
            found.add(token_message(row.token_hash))
    for row in session.deleted:
        if isinstance(row, User):
            found.add(user_message(row.workspace_id, row.id))
        elif isinstance(row, Workspace):
            found.add(workspace_message(row.id))
        elif isinstance(row, PanelSession):
            found.add(token_message(row.token_hash))


def _watch(app: Flask, cache: SessionCache) -> None:
    sessions = app.extensions["db_sessionmaker"]

    @event.listens_for(sessions, "after_flush")
    def collect(session, flush_context):
        _collect(session, flush_context)

    @event.listens_for(sessions, "after_commit")
    def forget(session):
        found = session.info.pop("forget_sessions", None)
        if found:
            cache.forget(sorted(found))

    @event.listens_for(sessions, "after_rollback")
    def drop(session):
        session.info.pop("forget_sessions", None)


def init_app(app: Flask) -> None:
    cache = SessionCache(bus_for(app))
    app.extensions[EXTENSION] = cache
    _watch(app, cache)
