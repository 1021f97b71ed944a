"""An admin connects Xero in the demo CRM and watches the first sync's progress bar (with its
counts) fill and finish in the admin page, polling by itself, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import screenshot
from tests.browser.conftest import crm_url_of
from tests.browser.demo_crm import connect_xero, open_panel
from tests.conftest import make_test_app, serve

pytestmark = pytest.mark.browser

ORG = "Demo Company (NZ)"


@pytest.fixture
def mirror_widget(tmp_path):
    """A server of its own whose connections start the first sync, read in small pages (so the
    bar has steps to show)."""
    application = make_test_app(
        f"sqlite:///{tmp_path / 'widget.sqlite3'}",
        MIRROR_START_ON_CONNECT=True,
        MIRROR_PAGE_SIZE=40,
        MIRROR_SYNC_CALLS_PER_MINUTE=100_000,
    )
    yield from serve(application)
    application.extensions["db_engine"].dispose()


def test_admin_connects_and_watches_the_first_sync_finish(page, mirror_widget, browser_log):
    sandbox = mirror_widget.app.extensions["sandbox"]
    sandbox.faults.set(ORG, latency_ms=600)  # a large organisation: reading takes a while
    try:
        admin = open_panel(page, crm_url_of(mirror_widget), "admin")
        connect_xero(page, admin, [ORG], shots="mirror-connect")
        progress = admin.locator("#mirror-sync")
        expect(progress.locator("progress.mirror-sync-bar")).to_be_visible(timeout=20_000)
        expect(progress).to_contain_text("Reading Xero:")
        expect(progress).to_contain_text("documents")
        screenshot(page, "mirror-first-sync-reading")
    finally:
        sandbox.faults.clear(ORG)
    expect(admin.locator('#mirror-sync[data-mirror-state="ready"]')).to_be_visible(timeout=30_000)
    expect(progress).to_contain_text("Xero data copied for the panels")
    expect(progress.locator("progress")).to_have_count(0)
    screenshot(page, "mirror-first-sync-done")
    assert browser_log.errors == []
