"""Shared fixtures: apps on SQLite and PostgreSQL, and the app served on a real loopback socket."""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from widget import create_app
from widget.db import migrate

#: workspaces, launches and panel clients (tests/auth/fixtures.py), for any test folder
pytest_plugins = ["tests.auth.fixtures"]

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_SCHEMA = "widget_test"


def _postgres_url() -> str:
    """A clean schema of the `test` database for this run, so tests never touch `public`."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {POSTGRES_SCHEMA}"))
    finally:
        engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{POSTGRES_SCHEMA}"


def make_test_app(database_url: str, sandbox_database_url: str | None = None, **overrides):
    if sandbox_database_url is None:
        sandbox_database_url = database_url.replace("widget.sqlite3", "sandbox.sqlite3")
        if not sandbox_database_url.startswith("sqlite"):
            raise ValueError("pass sandbox_database_url for a non-SQLite app database")
    config = {
        "SANDBOX_DATABASE_URL": sandbox_database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "TOKEN_ENCRYPTION_KEYS": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
        "DATABASE_URL": database_url,
        "XERO_USE_SANDBOX": True,
        "SANDBOX_ENABLED": True,
    }
    config.update(overrides)
    app = create_app(config)
    migrate(app)
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'widget.sqlite3'}"
    return _postgres_url()


@pytest.fixture
def sandbox_database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"


@pytest.fixture
def app(tmp_path):
    """An app on a fresh SQLite file (tests that care about the database use `db_app`)."""
    application = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def db_app(database_url, sandbox_database_url):
    """An app on each supported database in turn."""
    application = make_test_app(database_url, sandbox_database_url)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class LiveServer:
    app: object
    url: str

    @property
    def sandbox_url(self) -> str:
        return f"{self.url}/sandbox/xero"


def serve(application) -> Iterator[LiveServer]:
    """Serve an app on 127.0.0.1 (a real socket, threaded) for the length of a fixture."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    application.config["XERO_SANDBOX_URL"] = f"{url}/sandbox/xero"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(application, url)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One app for the whole run, served over HTTP; the sandbox inside it answers Xero calls."""
    path = tmp_path_factory.mktemp("live") / "widget.sqlite3"
    application = make_test_app(f"sqlite:///{path}")
    yield from serve(application)
