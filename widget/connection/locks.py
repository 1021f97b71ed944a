"""One refresh per connection at a time, across threads, processes and hosts.

`ConnectionLock.hold(workspace_id)` yields a session inside a transaction that holds the
workspace's connection row exclusively until the block ends (commit on success, rollback on error).
The database is the lock today: SELECT … FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite (which
serialises writers). A Redis lock could replace it behind the same interface.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from widget.connection.models import XeroConnection


class ConnectionLock(Protocol):
    def hold(
        self, workspace_id: str
    ) -> AbstractContextManager[tuple[Session, XeroConnection | None]]: ...


class DatabaseRowLock:
    """The connection row itself is the lock; whoever holds it reads the freshest tokens."""

    def __init__(self, make_session: sessionmaker):
        self._make_session = make_session

    @contextmanager
    def hold(self, workspace_id: str) -> Iterator[tuple[Session, XeroConnection | None]]:
        query = select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
        with self._make_session() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "sqlite":
                # pysqlite would begin lazily (DEFERRED); take the write lock before reading.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                query = query.with_for_update()
            yield session, session.scalars(query.execution_options(populate_existing=True)).first()
