"""One served app for the drafts tests (the sandbox inside it answers Xero, metered), with one
workspace connected to each demo organisation for the whole run: tests keep apart by linking their
own CRM contacts, and put back any fault or setting they change."""

import pytest

from bench.contact_panel import XeroMeter
from tests.conftest import _postgres_url, make_test_app, serve
from tests.contact.support import NZ, UK, ContactServer, OffsetClock, serve_panels


@pytest.fixture(scope="session")
def drafts_server(tmp_path_factory):
    yield from serve_panels(tmp_path_factory, "drafts")


@pytest.fixture(scope="session")
def nz(drafts_server):
    return drafts_server.connected_workspace(NZ)


@pytest.fixture(scope="session")
def uk(drafts_server):
    return drafts_server.connected_workspace(UK)


@pytest.fixture
def server(drafts_server):
    """The served app; afterwards faults, the sandbox clock and Xero's timeout are as before."""
    config = drafts_server.app.config
    timeout = config["XERO_TIMEOUT_SECONDS"]
    yield drafts_server
    config["XERO_TIMEOUT_SECONDS"] = timeout
    drafts_server.sandbox.clock.reset()
    for org in (NZ, UK):
        drafts_server.release(org)


# --- the same on PostgreSQL, for the tests where the database matters --------------------------


@pytest.fixture(scope="session")
def postgres_drafts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drafts-pg")
    _postgres_url.used = True
    app = make_test_app(
        _postgres_url(),
        f"sqlite:///{folder / 'sandbox.sqlite3'}",
        SANDBOX_MINUTE_LIMIT=100_000,
        SANDBOX_DAILY_LIMIT=1_000_000,
    )
    for live in serve(app):
        meter = XeroMeter(app.wsgi_app)
        app.wsgi_app = meter
        server = ContactServer(live.url, app, meter, OffsetClock())
        yield server, server.connected_workspace(NZ)
    app.extensions["db_engine"].dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request, server, nz):
    if request.param == "sqlite":
        yield server, nz
        return
    pg_server, workspace = request.getfixturevalue("postgres_drafts")
    yield pg_server, workspace
    pg_server.sandbox.faults.clear()
