"""The whole first-run story in a real browser, inside the demo CRM's cross-site iframe:
an admin connects Xero through the consent popup, grants a member access, and the member's
panel opens; members without access are told whom to ask."""

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import panel_screenshot, screenshot
from tests.browser.conftest import crm_url_of, fresh_server
from tests.browser.demo_crm import connect_xero, open_panel, set_access
from widget.demo.records import directory

pytestmark = pytest.mark.browser

FIRST_ORG = "Demo Company (NZ)"
SECOND_ORG = "Demo Company (UK)"
#: a CRM person whose email a Xero contact of the first organisation has
PERSON = next(p for p in directory().people if p.id == "crm-person-02")


def _expect_connected(frame, organisation: str) -> None:
    section = frame.locator("#xero-connection")
    expect(section.get_by_text("Xero connected successfully")).to_be_visible()
    expect(section.locator(".xero-status")).to_have_text("Running")
    expect(section.locator(".xero-organisation")).to_have_text(organisation)


def test_admin_connects_xero_grants_a_member_who_then_sees_the_panel(page, crm_url, browser_log):
    # A member who has never been granted anything sees whom to ask.
    open_panel(page, crm_url, "admin")  # the admin has used the widget before
    member = open_panel(page, crm_url, f"people/{PERSON.id}", user="crm-sam")
    expect(member.get_by_role("heading", name="No access")).to_be_visible()
    expect(member.locator(".admins")).to_contain_text("Alex Admin")
    screenshot(page, "member-without-access")
    panel_screenshot(page, "member-without-access")
    browser_log.clear()  # Chromium logs the refused panel's 403 as a console error, rightly

    admin = open_panel(page, crm_url, "admin")
    connect_xero(page, admin, [FIRST_ORG], shots="connect")
    _expect_connected(admin, FIRST_ORG)
    screenshot(page, "admin-connected")
    panel_screenshot(page, "admin-connected")

    set_access(admin, "Sam Seller", "View")
    expect(admin.locator("#audit")).to_contain_text("Sam Seller")
    screenshot(page, "admin-granted-view")
    panel_screenshot(page, "admin-granted-view")

    member = open_panel(page, crm_url, f"people/{PERSON.id}", user="crm-sam")
    expect(member.get_by_text(PERSON.name).first).to_be_visible()
    # Xero data reached the third-party iframe: the same-email Xero contact is suggested
    expect(member.get_by_text("Same email")).to_be_visible()
    expect(member.get_by_role("heading", name="No access")).to_have_count(0)
    screenshot(page, "member-contact-panel")
    panel_screenshot(page, "member-contact-panel")

    crm = directory()
    for kind, record in (("companies", crm.companies[0]), ("deals", crm.deals[0])):
        panel = open_panel(page, crm_url, f"{kind}/{record.id}")
        expect(panel.get_by_text(record.name).first).to_be_visible()
        panel_screenshot(page, f"admin-{kind}-panel")
    assert browser_log.errors == []


@pytest.fixture
def fresh_crm_url(tmp_path):
    """A server of its own: this test needs a workspace that has never connected Xero."""
    yield from (crm_url_of(server) for server in fresh_server(tmp_path))


def test_allowing_several_organisations_asks_which_one_to_connect(page, fresh_crm_url, browser_log):
    admin = open_panel(page, fresh_crm_url, "admin")
    connect_xero(page, admin, [FIRST_ORG, SECOND_ORG], shots="picker")
    _expect_connected(admin, SECOND_ORG)
    assert browser_log.errors == []
