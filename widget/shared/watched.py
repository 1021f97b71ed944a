"""Values read from a few tables, kept in process until a commit writes those tables.

A panel's warm request reads the same rows again and again (its connection, its link, the
mirror's status). A `WatchedCache` keeps them, and every commit on the app's engine that wrote
one of its tables (INSERT, UPDATE or DELETE, through the ORM or not, in any thread of this
process) drops the entries of the scope it wrote (a workspace or an organisation, read from the
statement's parameters; all entries when the statement does not say). With REDIS_URL the drop is
published on the invalidation bus, so a sync in the worker process or a link made on another
host is seen on the next request everywhere. As with panel sessions, a process uses its entries
only while it is listening (Redis away: read the database; back: start empty). Without REDIS_URL
(one serving process) entries are also read again after UNANNOUNCED_SECONDS, for commits made by
other processes (the CLI).

A value read while a drop happened is not kept (`generation`). The drop happens as the commit
begins and again once it is done (a SQLAlchemy session's commit), so a read racing a commit
can never pin the older rows.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from cachetools import LRUCache
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from widget.shared.bus import InvalidationBus, bus_for

EXTENSION = "watched_caches"
#: without REDIS_URL, entries are read again after this long: commits made by other processes
#: (the CLI) are not announced then
UNANNOUNCED_SECONDS = 5.0
ALL = "*"
_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)
_PENDING = "watched_pending"


class WatchedCache:
    """Entries keyed by (scope, …): `scope` is the value of `scope_column` the rows carry."""

    def __init__(self, name: str, tables: Iterable[str], scope_column: str,
                 bus: InvalidationBus | None = None, maxsize: int = 20_000) -> None:  # fmt: skip
        self.name = name
        self.tables = frozenset(tables)
        self.scope_column = scope_column
        self._param = re.compile(rf"(?:^|_){re.escape(scope_column)}(?:_\w*)?$")
        self._items: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._bus = bus
        self.generation = 0
        if bus is not None:
            bus.subscribe(self._channel, lambda text: self._apply(text.split("\n")), self.clear)

    @property
    def _channel(self) -> str:
        return f"watched:{self.name}"

    @property
    def usable(self) -> bool:
        return self._bus is None or self._bus.listening

    def get(self, key: tuple) -> Any | None:
        if not self.usable:
            return None
        with self._lock:
            kept = self._items.get(key)
        if kept is None:
            return None
        value, kept_at = kept
        if self._bus is None and time.monotonic() - kept_at > UNANNOUNCED_SECONDS:
            return None  # one process without Redis: another's commit (the CLI) is not heard
        return value

    def get_or_read(self, key: tuple, read: Callable[[], Any]) -> Any:
        """The kept value, or `read()` kept unless a drop happened meanwhile."""
        found = self.get(key)
        if found is not None:
            return found
        generation = self.generation
        value = read()
        with self._lock:
            if value is not None and self.usable and generation == self.generation:
                self._items[key] = (value, time.monotonic())
        return value

    def scopes_written(self, parameters) -> set[str]:
        """The scopes a write statement names in its parameters (ALL when it names none)."""
        rows = parameters if isinstance(parameters, list | tuple) else [parameters]
        found = {
            str(value)
            for row in rows
            if isinstance(row, dict)
            for name, value in row.items()
            if value is not None and self._param.search(str(name))
        }
        return found or {ALL}

    def forget(self, scopes: Iterable[str]) -> None:
        """Drop these scopes' entries here and (with Redis) in every other process."""
        scopes = sorted(set(scopes))
        if not scopes:
            return
        self._apply(scopes)
        if self._bus is not None:
            self._bus.publish(self._channel, "\n".join(scopes))

    def _apply(self, scopes: list[str]) -> None:
        with self._lock:
            self.generation += 1
            if ALL in scopes:
                self._items.clear()
                return
            wanted = set(scopes)
            for key in [key for key in self._items if key[0] in wanted]:
                self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def watched(app: Flask, name: str) -> WatchedCache:
    return app.extensions[EXTENSION][name]


def register(app: Flask, name: str, tables: Iterable[str], scope_column: str) -> WatchedCache:
    """A cache of `app` dropped by commits that write `tables` (once per name and app)."""
    caches: dict[str, WatchedCache] | None = app.extensions.get(EXTENSION)
    if caches is not None and name in caches:
        return caches[name]
    with _registering:
        caches = app.extensions.setdefault(EXTENSION, {})
        if not caches:
            _listen(app.extensions["db_engine"], caches)
        if name not in caches:
            caches[name] = WatchedCache(name, tables, scope_column, bus_for(app))
        return caches[name]


_registering = threading.Lock()


def _listen(engine, caches: dict[str, WatchedCache]) -> None:
    """Note the scopes each write names (per connection) and drop them when it commits."""

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn, _cursor, statement, parameters, _context, _many):
        tables = _written_tables(statement)
        if not tables:
            return
        for cache in list(caches.values()):
            if cache.tables & tables:
                pending = conn.info.setdefault(_PENDING, {})
                pending.setdefault(cache.name, set()).update(cache.scopes_written(parameters))

    @event.listens_for(engine, "commit")
    def committing(conn):
        pending = conn.info.pop(_PENDING, None)
        for name, scopes in (pending or {}).items():
            caches[name].forget(scopes)
            _committed.__dict__.setdefault("pending", []).append((caches[name], scopes))

    @event.listens_for(engine, "rollback")
    def rolled_back(conn):
        conn.info.pop(_PENDING, None)


@functools.lru_cache(maxsize=2048)
def _written_tables(statement: str) -> frozenset[str]:
    """The tables a statement writes (statements repeat: each is read once)."""
    return frozenset(table.lower() for table in _WRITE.findall(statement))


#: drops announced as a commit began, announced again once it is done (this thread's)
_committed = threading.local()


@event.listens_for(Session, "after_commit")
def _after_commit(_session) -> None:
    """Again after the commit: a read made between the first drop and the commit saw the old
    rows; the second drop (and its generation) keeps them from being kept."""
    pending = _committed.__dict__.pop("pending", None)
    for cache, scopes in pending or ():
        cache.forget(scopes)
