"""Apps for the connection tests: one served app per database for the whole run (each test makes
its own workspace, so they do not see each other), with the sandbox inside it."""

import os

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL, make_test_app, serve

#: a schema of its own, so the function-scoped `db_app` fixtures never drop it, and one per test
#: run, so runs side by side never queue on each other's locks
SCHEMA = f"widget_test_connection_{os.getpid()}"


def postgres_url(schema: str = SCHEMA) -> str:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def xero_server(request, tmp_path_factory):
    """The whole app on a real socket, on SQLite or PostgreSQL; its sandbox answers Xero calls."""
    folder = tmp_path_factory.mktemp(f"connection-{request.param}")
    url = f"sqlite:///{folder / 'widget.sqlite3'}"
    if request.param == "postgresql":
        url = postgres_url()
    app = make_test_app(url, f"sqlite:///{folder / 'sandbox.sqlite3'}")
    yield from serve(app)
    app.extensions["db_engine"].dispose()
    if request.param == "postgresql":
        _drop_schema(SCHEMA)


def _drop_schema(schema: str) -> None:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        engine.dispose()
