"""One served app for the company- and deal-panel tests (each folder gets its own): the sandbox
inside it answers Xero (metered), the panels' day follows the sandbox's clock, and the panel cache
runs on a clock tests can move. Tests keep apart by making their own workspaces."""

from datetime import UTC

import pytest

from bench.contact_panel import XeroMeter
from tests.conftest import make_test_app, serve
from tests.contact.support import ContactServer, OffsetClock
from widget.cache import MemoryCache


@pytest.fixture(scope="session")
def group_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("group")
    app = make_test_app(
        f"sqlite:///{folder / 'widget.sqlite3'}",
        f"sqlite:///{folder / 'sandbox.sqlite3'}",
        # many tests share one organisation within a minute; the 429 tests force theirs
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
