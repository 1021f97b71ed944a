"""The CDN cannot be reached (a corporate proxy, an offline demo): the pinned htmx file from our own
static files takes over, under the same integrity hash and a CSP without inline script, and the
panels work: the contact panel's suggestions appear and the admin panel loads its Xero section."""

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.chromium import screenshot
from tests.browser.demo_crm import open_panel
from widget import assets

pytestmark = pytest.mark.browser


@pytest.fixture
def cdn_blocked(page: Page) -> list[str]:
    """The pinned CDN URL fails as an unreachable host does; the URLs tried are collected."""
    tried: list[str] = []

    def unreachable(route: Route) -> None:
        tried.append(route.request.url)
        route.abort("internetdisconnected")

    page.route(assets.HTMX_URL, unreachable)
    return tried


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from tests.browser.test_browser_contact_panel import connected_site

    yield from connected_site(tmp_path_factory.mktemp("htmx-fallback"))


def _unexpected(errors: list[str]) -> list[str]:
    """Chromium rightly reports the blocked CDN file; anything else is a failure."""
    return [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]


def test_contact_panel_suggestions_appear_without_the_cdn(page, site, cdn_blocked, browser_log):
    from tests.browser.test_browser_contact_panel import EDITOR, person, xero_person

    rep = person("crm-person-04")
    with page.expect_response(lambda r: assets.HTMX_VENDORED in r.url) as vendored:
        panel = open_panel(page, site.crm_url, f"people/{rep.id}", user=EDITOR)
    assert vendored.value.status == 200
    assert cdn_blocked == [assets.HTMX_URL]
    best = panel.locator("#contact-suggestions .contact-row").first
    expect(best).to_have_attribute("data-xero-contact-id", xero_person(rep.id).xero_contact_id)
    assert panel.evaluate("htmx.version") == assets.HTMX_VERSION
    local = panel.locator(f'script[src$="{assets.HTMX_VENDORED}"]')
    assert local.get_attribute("integrity") == assets.HTMX_INTEGRITY
    screenshot(page, "htmx-fallback-contact")
    assert _unexpected(browser_log.errors) == []


def test_csp_stays_free_of_inline_script(page, site, cdn_blocked):
    from tests.browser.test_browser_contact_panel import EDITOR, person

    with page.expect_response(lambda r: "/contact?" in r.url) as launched:
        open_panel(page, site.crm_url, f"people/{person('crm-person-04').id}", user=EDITOR)
    policy = launched.value.headers["content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert script_src == f"script-src 'self' {assets.HTMX_URL}"


def test_admin_panel_loads_its_xero_section_without_the_cdn(page, site, cdn_blocked, browser_log):
    with page.expect_request("**/admin/xero/status") as status:
        frame = open_panel(page, site.crm_url, "admin")
    assert status.value.all_headers().get("x-widget-session")  # widget.js's hook still applies
    expect(frame.locator("#xero-connection")).to_contain_text("Demo Company (NZ)")
    assert _unexpected(browser_log.errors) == []
