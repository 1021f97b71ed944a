"""Apps for the connection tests: one served app per database for the whole run (each test makes
its own workspace, so they do not see each other), with the sandbox inside it."""

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL, make_test_app, serve

#: a schema of its own, so the function-scoped `db_app` fixtures (schema widget_test) never drop it
SCHEMA = "widget_test_connection"


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
