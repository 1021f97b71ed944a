"""One served app for the drafts tests (the sandbox inside it answers Xero, metered), with one
workspace connected to each demo organisation for the whole run: tests keep apart by linking their
own CRM contacts, and put back any fault or setting they change."""

from datetime import UTC

import pytest

from bench.contact_panel import XeroMeter
from tests.conftest import make_test_app, serve
from tests.contact.support import NZ, UK, ContactServer, OffsetClock
from widget.cache import MemoryCache


@pytest.fixture(scope="session")
def drafts_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drafts")
    app = make_test_app(
        f"sqlite:///{folder / 'widget.sqlite3'}",
        f"sqlite:///{folder / 'sandbox.sqlite3'}",
        # many tests create documents in one organisation within a minute
        SANDBOX_MINUTE_LIMIT=100_000,
        SANDBOX_DAILY_LIMIT=1_000_000,
    )
    clock = OffsetClock()
    app.extensions["contact_cache"] = MemoryCache(
        clock=clock, stale_for=app.config["CONTACT_STALE_FOR"]
    )
    sandbox = app.extensions["sandbox"]
    app.extensions["contact_clock"] = lambda: sandbox.clock.now().replace(tzinfo=UTC)
    meter = XeroMeter(app.wsgi_app)
    app.wsgi_app = meter
    for live in serve(app):
        yield ContactServer(live.url, app, meter, clock)
    app.extensions["db_engine"].dispose()


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
