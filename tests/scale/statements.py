"""Counting what a request costs the database: every statement SQLAlchemy sends, and every
commit, on one engine (a SQLAlchemy event listener: the real driver, nothing replaced)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.commits


@contextmanager
def counting(engine):
    """Statements and commits made on `engine` (from any thread) inside the block."""
    counted = Counted()
    lock = threading.Lock()

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        with lock:
            counted.statements.append(" ".join(statement.split())[:160])

    def on_commit(_conn):
        with lock:
            counted.commits += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
