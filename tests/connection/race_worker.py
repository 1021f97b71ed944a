"""One OS process of the refresh race: its own app (engine, connection pool) on the shared
database, several threads that ask for a Xero client at the same moment and make one call."""

import threading

from widget import create_app
from widget.connection.service import client_for


def run(config: dict, workspace_id: str, threads: int, barrier, results) -> None:
    app = create_app(config)
    outcomes: list[str] = []

    def one() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                client_for(workspace_id).organisation()
                outcomes.append("ok")
            except Exception as exc:  # the test reports every failure by name
                outcomes.append(f"{type(exc).__name__}: {exc}")

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)
    results.put(outcomes)
    app.extensions["db_engine"].dispose()
