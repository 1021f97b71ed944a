"""The whole first-run story in a real browser, inside the demo CRM's cross-site iframe:
an admin connects Xero through the consent popup, grants a member access, and the member's
panel opens; members without access are told whom to ask. Connecting also works when Xero's
pages cut the popup off from the panel (COOP), and a consent link opened elsewhere connects
nothing."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Route, expect

from tests.browser.chromium import panel_screenshot, screenshot
from tests.browser.conftest import crm_url_of, fresh_server
from tests.browser.demo_crm import connect_xero, open_consent, open_panel, set_access
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
def fresh_widget(tmp_path):
    """A server of its own: these tests need a workspace that has never connected Xero."""
    yield from fresh_server(tmp_path)


@pytest.fixture
def fresh_crm_url(fresh_widget):
    return crm_url_of(fresh_widget)


def test_allowing_several_organisations_asks_which_one_to_connect(page, fresh_crm_url, browser_log):
    admin = open_panel(page, fresh_crm_url, "admin")
    connect_xero(page, admin, [FIRST_ORG, SECOND_ORG], shots="picker")
    _expect_connected(admin, SECOND_ORG)
    panel_screenshot(page, "picker-connected")
    assert browser_log.errors == []


CONSENT_PAGE = "**/login.xero.com/identity/connect/authorize**"


def _with_coop(route: Route) -> None:
    """Xero's login as it may really be: a Cross-Origin-Opener-Policy that severs the popup
    from its opener (window.opener null in the popup, popup.closed true for the panel)."""
    if route.request.method != "GET":
        route.fallback()
        return
    response = route.fetch()
    headers = {**response.headers, "cross-origin-opener-policy": "same-origin"}
    route.fulfill(response=response, headers=headers)


def test_connecting_when_xeros_pages_cut_the_popup_off(page, fresh_crm_url, browser_log):
    page.context.route(CONSENT_PAGE, _with_coop)
    try:
        admin = open_panel(page, fresh_crm_url, "admin")
        popup = open_consent(page, admin, [FIRST_ORG], shots="coop")
        # the panel sees the popup "closed" at once and waits for the sign-in to come back
        expect(admin.get_by_text("Sign-in was not finished")).to_be_visible()
        expect(admin.get_by_role("button", name="Finish connecting")).to_be_visible()
        assert popup.evaluate("window.opener") is None

        popup.get_by_role("button", name="Allow access").click()

        expect(popup.get_by_role("heading", name="Signed in to Xero")).to_be_visible()
        expect(popup.get_by_text("Return to the CRM window")).to_be_visible()
        screenshot(popup, "coop-popup-signed-in")
        _expect_connected(admin, FIRST_ORG)  # the panel's own check picked it up
        expect(admin.get_by_text("Sign-in was not finished")).to_have_count(0)
    finally:
        page.context.unroute(CONSENT_PAGE, _with_coop)
    assert browser_log.errors == []


def test_a_page_on_another_site_cannot_use_an_admins_sign_in(
    page, fresh_widget, fresh_crm_url, browser_log
):
    """Someone with an admin's state (here: the admin's own popup URL) opens our begin page
    from another site and hands it the state, then has the consent done in that window."""
    admin = open_panel(page, fresh_crm_url, "admin")
    popup = open_consent(page, admin, [FIRST_ORG], shots="foreign")
    authorize_url = popup.url
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    popup.close()
    expect(admin.get_by_text("Sign-in was not finished")).to_be_visible()
    page.context.clear_cookies()  # only what the other site's window gets counts
    other_site = page.context.new_page()
    other_site.goto(fresh_crm_url.replace("/demo-crm/", "/healthz"))
    assert urlsplit(other_site.url).hostname == "localhost"  # another site than the widget's

    with page.context.expect_page() as opened:
        other_site.evaluate(
            "url => { window.begin = window.open(url, 'other'); }",
            f"{fresh_widget.url}/admin/xero/begin",
        )
    begin = opened.value
    begin.wait_for_load_state()
    other_site.evaluate(
        "([state, authorize]) => window.begin.postMessage("
        "{type: 'xero-connect-go', state: state, authorize: authorize}, '*')",
        [state, authorize_url],
    )

    expect(begin.get_by_text("only works when it is opened by")).to_be_visible()
    assert "/admin/xero/begin" in begin.url  # it never went on to Xero
    callback_cookies = page.context.cookies(f"{fresh_widget.url}/admin/xero/callback")
    assert [c["name"] for c in callback_cookies] == []

    begin.goto(authorize_url)  # the consent itself, in this other window
    begin.get_by_role("button", name="Allow access").click()
    expect(begin.get_by_text("not started in this browser")).to_be_visible()

    # the admin's panel, still checking, learns the sign-in is gone; nothing was connected
    expect(admin.get_by_text("expired or was already used")).to_be_visible()
    expect(admin.locator(".xero-status")).to_have_text("Disconnected")
    unexpected = [e for e in browser_log.errors if not re.search(r"status of 40[03]", e)]
    assert unexpected == []
