"""What the panel shows when it must refuse, inside the CRM's iframe: a spent or expired launch
token gets the "reload the CRM page" page (401), still framed by the CRM."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import screenshot
from tests.browser.demo_crm import open_panel
from widget.auth.clock import utcnow
from widget.auth.launch import launch_url
from widget.auth.workspaces import DEMO_WORKSPACE_ID, current_secret
from widget.db import get_session
from widget.demo.records import directory

pytestmark = pytest.mark.browser

EXPIRED = "This panel has expired"
PERSON = directory().people[0]


def _reload_frame_with(page, url: str):
    """Point the CRM page's iframe at `url`, as a CRM that re-used a launch URL would."""
    with page.expect_response(lambda response: response.url == url) as answered:
        page.locator("#widget-panel").evaluate("(frame, url) => { frame.src = url; }", url)
    frame = page.frame(name="widget-panel")
    frame.wait_for_load_state()
    return answered.value, frame


def test_a_replayed_launch_token_is_refused_in_the_frame(page, crm_url):
    open_panel(page, crm_url, f"people/{PERSON.id}")
    used_url = page.locator("#widget-panel").get_attribute("src")
    response, frame = _reload_frame_with(page, used_url)
    assert response.status == 401
    expect(frame.get_by_role("heading", name=EXPIRED)).to_be_visible()
    expect(frame.get_by_text("reload the CRM page")).to_be_visible()
    assert "token=" not in frame.url, "the spent token must not stay in the address"
    screenshot(page, "replayed-token")


def test_an_expired_launch_token_is_refused_in_the_frame(page, crm_url, widget_server):
    open_panel(page, crm_url, f"people/{PERSON.id}")
    app = widget_server.app
    with app.app_context():
        secret = current_secret(get_session(), DEMO_WORKSPACE_ID)
    stale = launch_url(
        widget_server.url,
        DEMO_WORKSPACE_ID,
        "contact",
        {"id": "crm-admin", "name": "Alex Admin", "admin": True},
        {"type": "contact", "id": PERSON.id, "name": PERSON.name},
        secret=secret,
        now=utcnow() - timedelta(minutes=10),
    )
    response, frame = _reload_frame_with(page, stale)
    assert response.status == 401
    expect(frame.get_by_role("heading", name=EXPIRED)).to_be_visible()
    expect(frame.get_by_text("Details: the token has expired")).to_be_visible()
