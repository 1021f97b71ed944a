"""Counting what a request costs the database, on the wire: libpq's own trace of every message
a pooled connection exchanges with PostgreSQL while a request holds it, whether SQLAlchemy sent
it or psycopg directly (the launch statement). A round trip is one answer the client waited for
(the server's ReadyForQuery), so BEGIN, COMMIT and a statement's preparation count too."""

from __future__ import annotations

import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import has_request_context
from psycopg import pq
from sqlalchemy import event

_TRACED = "traced_by_counting"


@dataclass
class Counted:
    #: what the client sent, as libpq traces it (Query, Parse, Bind…)
    sent: list[str] = field(default_factory=list)
    round_trips: int = 0
    commits: int = 0

    def tally(self, trace: str) -> None:
        for line in trace.splitlines():
            direction, _, rest = line.partition("\t")
            if direction == "F":
                self.sent.append(" ".join(rest.split())[:160])
                self.commits += 'Query "COMMIT"' in rest
            elif direction == "B" and "ReadyForQuery" in rest:
                self.round_trips += 1


@contextmanager
def counting(engine, *, requests_only: bool = False):
    """Round trips and commits on `engine`'s connections inside the block: from any thread, or
    with `requests_only` only those a request makes (checked out on its own thread, inside its
    request context), not background jobs' (a sync running meanwhile)."""
    counted = Counted()
    lock = threading.Lock()

    def on_checkout(dbapi_connection, record, _proxy):
        if requests_only and not has_request_context():
            return
        trace = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the connection is back)
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        record.info[_TRACED] = trace

    def on_checkin(dbapi_connection, record):
        trace = record.info.pop(_TRACED, None)
        if trace is None:
            return
        if dbapi_connection is not None:
            dbapi_connection.pgconn.untrace()
        with trace:
            trace.seek(0)
            text = trace.read().decode("utf-8", errors="replace")
        with lock:
            counted.tally(text)

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield counted
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


def redis_commands(client) -> dict[str, int]:
    """Commands a Redis server has answered so far, by name (INFO commandstats, its own count),
    less the INFO calls that read it: subtract two to see what came in between."""
    stats = client.info("commandstats")
    return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items() if k != "cmdstat_info"}


def commands_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    changed = {name: after[name] - before.get(name, 0) for name in after}
    return {name: count for name, count in changed.items() if count}
