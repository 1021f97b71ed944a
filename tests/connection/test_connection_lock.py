"""The refresh lock really excludes: threads holding it for the same workspace never overlap."""

import threading
import time

from widget.auth.models import Workspace
from widget.connection.locks import DatabaseRowLock
from widget.connection.models import XeroConnection
from widget.connection.tokens import utcnow


def _workspace_with_connection(app, workspace_id: str) -> None:
    with app.extensions["db_sessionmaker"]() as session:
        now = utcnow()
        session.add(Workspace(id=workspace_id, name="Lock test", created_at=now))
        session.flush()
        session.add(XeroConnection(workspace_id=workspace_id, status="running", updated_at=now))
        session.commit()


def test_holders_of_one_connection_take_turns_and_see_each_others_writes(db_app):
    _workspace_with_connection(db_app, "ws-lock")
    lock = DatabaseRowLock(db_app.extensions["db_sessionmaker"])
    inside, overlaps, errors = [0], [], []
    start = threading.Barrier(6)

    def hold():
        try:
            start.wait()
            with lock.hold("ws-lock") as (_session, connection):
                inside[0] += 1
                if inside[0] > 1:
                    overlaps.append(inside[0])
                seen = connection.token_version
                time.sleep(0.02)  # long enough for a second holder to barge in, were it able
                connection.token_version = seen + 1
                inside[0] -= 1
        except Exception as exc:  # reported below, so a failure names its cause
            errors.append(repr(exc))

    threads = [threading.Thread(target=hold) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert overlaps == []
    with db_app.extensions["db_sessionmaker"]() as session:
        row = session.query(XeroConnection).filter_by(workspace_id="ws-lock").one()
        assert row.token_version == 6  # no lost update: each holder read the previous one's write


def test_holding_an_unknown_workspace_yields_no_row(db_app):
    lock = DatabaseRowLock(db_app.extensions["db_sessionmaker"])
    with lock.hold("nobody") as (_session, connection):
        assert connection is None
