"""The demo CRM page itself: its lists lead to records, and "Acting as" switches the CRM user."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import screenshot
from widget.demo.records import directory

pytestmark = pytest.mark.browser


def test_acting_as_another_user_follows_the_links_and_signs_panels_for_them(
    page, crm_url, browser_log
):
    page.goto(crm_url)
    person = directory().people[0]
    expect(page.get_by_role("link", name=person.name)).to_be_visible()
    screenshot(page, "demo-crm-home")

    page.get_by_label("Acting as").select_option(label="Mia Member (member)")
    expect(page).to_have_url(re.compile(r"[?&]user=crm-mia\b"))  # demo.js submitted the form
    page.get_by_role("link", name=person.name).click()
    expect(page).to_have_url(re.compile(rf"/people/{person.id}\?user=crm-mia$"))
    expect(page.locator("#widget-panel")).to_have_attribute("src", re.compile(r"/contact\?token="))
    expect(page.get_by_text("signed just now for Mia Member")).to_be_visible()
    # the panel refuses Mia (403, logged by Chromium); the CRM page itself must be error-free
    assert [e for e in browser_log.errors if "@ http://localhost" in e] == []
