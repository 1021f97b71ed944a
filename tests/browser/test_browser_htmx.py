"""htmx 4 comes from the CDN pinned in widget/assets.py, and the browser enforces its integrity;
our vendored copy of the same file takes over when the CDN's does not run
(tests/browser/test_browser_htmx_fallback.py drives panels that way)."""

from pathlib import Path

import pytest

from tests.browser.chromium import screenshot
from tests.browser.htmx_cdn import package_json, sri, tarball
from widget import assets

pytestmark = pytest.mark.browser


def test_pinned_hash_is_that_of_the_npm_package_file(htmx_js, htmx_cache_dir):
    package = package_json(tarball(htmx_cache_dir))
    assert package["name"] == assets.HTMX_PACKAGE
    assert package["version"] == assets.HTMX_VERSION
    assert sri(htmx_js) == assets.HTMX_INTEGRITY
    exact_file = f"https://unpkg.com/{assets.HTMX_PACKAGE}@{assets.HTMX_VERSION}/{assets.HTMX_FILE}"
    assert exact_file == assets.HTMX_URL


def test_vendored_copy_is_the_npm_package_file(htmx_js):
    static = Path(__file__).resolve().parents[2] / "static"
    vendored = (static / assets.HTMX_VENDORED).read_bytes()
    assert vendored == htmx_js
    assert sri(vendored) == assets.HTMX_INTEGRITY


def _open_admin_panel(page, crm_url):
    page.goto(f"{crm_url}admin")
    frame = page.frame(name="widget-panel")
    frame.wait_for_load_state()
    return frame


def test_panel_runs_the_pinned_htmx_under_its_integrity_check(page, crm_url, browser_log):
    with page.expect_request("**/admin/xero/status") as status_request:
        frame = _open_admin_panel(page, crm_url)
    assert frame.evaluate("htmx.version") == assets.HTMX_VERSION
    script = frame.locator(f'script[src="{assets.HTMX_URL}"]')
    assert script.get_attribute("integrity") == assets.HTMX_INTEGRITY
    assert script.get_attribute("crossorigin") == "anonymous"
    # htmx sent the admin page's `hx-trigger="load"` request, and static/widget.js's
    # `htmx:config:request` hook gave it the panel session header: htmx 4 wiring works.
    headers = status_request.value.all_headers()
    assert headers.get("hx-request") == "true"
    assert headers.get("x-widget-session")
    refused = [e for e in browser_log.errors if "integrity" in e or "Security Policy" in e]
    assert refused == []


def test_a_tampered_cdn_file_is_refused_and_our_copy_runs(page, crm_url, htmx_js, browser_log):
    tampered = htmx_js + b"\nwindow.tampered = true;\n"
    page.route(
        assets.HTMX_URL,
        lambda route: route.fulfill(
            body=tampered,
            headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
        ),
    )
    with page.expect_request("**/admin/xero/status"):  # htmx runs: our own copy took over
        frame = _open_admin_panel(page, crm_url)
    assert frame.evaluate("window.tampered") is None  # the tampered file never ran
    assert any("integrity" in error for error in browser_log.errors), browser_log.errors
    assert frame.evaluate("htmx.version") == assets.HTMX_VERSION
    assert frame.locator(f'script[src$="{assets.HTMX_VENDORED}"]').count() == 1
    screenshot(page, "htmx-tampered")
