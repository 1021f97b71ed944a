"""Counting what a request costs the database: every statement SQLAlchemy sends, and every
commit, on one engine (a SQLAlchemy event listener: the real driver, nothing replaced)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import has_request_context
from sqlalchemy import event


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    #: transactions begun: psycopg sends BEGIN before a transaction's first statement, a round
    #: trip of its own
    begins: int = 0

    @property
    def round_trips(self) -> int:
        return self.begins + len(self.statements) + self.commits


@contextmanager
def counting(engine, *, requests_only: bool = False):
    """Statements and commits made on `engine` inside the block: from any thread, or with
    `requests_only` only those a request makes (on its own thread, inside its request context),
    not background jobs' (a sync running meanwhile)."""
    counted = Counted()
    lock = threading.Lock()

    def wanted() -> bool:
        return not requests_only or has_request_context()

    def sent(conn) -> bool:
        """BEGIN and COMMIT reach the server, unless the connection is in autocommit (psycopg
        then sends neither)."""
        return wanted() and not getattr(conn.connection.dbapi_connection, "autocommit", False)

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        if not wanted():
            return
        with lock:
            counted.statements.append(" ".join(statement.split())[:160])

    def on_commit(conn):
        if not sent(conn):
            return
        with lock:
            counted.commits += 1

    def on_begin(conn):
        if not sent(conn):
            return
        with lock:
            counted.begins += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "begin", on_begin)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "begin", on_begin)


def redis_commands(client) -> dict[str, int]:
    """Commands a Redis server has answered so far, by name (INFO commandstats, its own count),
    less the INFO calls that read it: subtract two to see what came in between."""
    stats = client.info("commandstats")
    return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items() if k != "cmdstat_info"}


def commands_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    changed = {name: after[name] - before.get(name, 0) for name in after}
    return {name: count for name, count in changed.items() if count}
