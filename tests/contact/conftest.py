"""One served app for the contact-panel tests: the sandbox inside it answers Xero (metered), the
panel's day follows the sandbox's clock, and the panel cache runs on a clock tests can move.
Tests keep apart by making their own workspaces; faults are cleared after the tests that set them.
"""

from datetime import UTC

import pytest

from bench.contact_panel import XeroMeter
from tests.conftest import make_test_app, serve
from tests.contact.support import ContactServer, OffsetClock
from widget.cache import MemoryCache


@pytest.fixture(scope="session")
def contact_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contact")
    app = make_test_app(
        f"sqlite:///{folder / 'widget.sqlite3'}",
        f"sqlite:///{folder / 'sandbox.sqlite3'}",
        # many tests share one organisation within a minute: Xero's real limits would make
        # them flaky; the limit tests force their 429s with the sandbox's faults instead
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
