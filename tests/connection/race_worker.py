"""One OS process of the refresh race: its own app (engine, connection pool) on the shared
database, several threads that ask for a Xero client at the same moment and make one call."""

import threading

from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from widget import create_app
from widget.connection.service import client_for


def _warm_up() -> None:
    """Import everything `create_app` pulls in once, in the forkserver, so the forked workers
    start in milliseconds instead of each importing the app again."""
    create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "warm-up",
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": "sqlite://",
            "SANDBOX_ENABLED": False,
        }
    )
    create_engine("postgresql+psycopg://warm-up@127.0.0.1/warm-up").dispose()  # loads psycopg


_warm_up()


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
