"""The browser profile blocks third-party cookies, as Safari, Firefox and incognito Chrome do, so
the other browser tests prove the widget works without them. The control run shows the probe does
see cookies when Chromium allows them, i.e. the blocking test can fail."""

import pytest

from tests.browser.chromium import ALLOW_ALL_COOKIES, launch_chromium

pytestmark = pytest.mark.browser

COOKIE = "SameSite=None; Secure; Path=/"


def iframe_cookie_probe(context, crm_url: str, widget_url: str) -> dict:
    """Set a cookie as the widget's own site, then, inside the CRM page's iframe of the widget,
    try to read it and to set another one. Returns what each side saw."""
    top = context.new_page()
    top.goto(f"{widget_url}/healthz")
    first_party = top.evaluate(f"document.cookie = 'first_party=1; {COOKIE}'; document.cookie")
    crm = context.new_page()
    crm.goto(f"{crm_url}admin")
    frame = crm.frame(name="widget-panel")
    frame.wait_for_load_state()
    assert frame.url.startswith(widget_url), "the panel must come from the widget's own site"
    framed = frame.evaluate(f"document.cookie = 'third_party=1; {COOKIE}'; document.cookie")
    stored = sorted(c["name"] for c in context.cookies(widget_url))
    return {"first_party": first_party, "framed": framed, "stored": stored}


def test_a_third_party_iframe_can_neither_read_nor_set_cookies(browser, crm_url, widget_server):
    seen = iframe_cookie_probe(browser, crm_url, widget_server.url)
    assert seen == {"first_party": "first_party=1", "framed": "", "stored": ["first_party"]}
    browser.clear_cookies()
    for tab in browser.pages:
        tab.close()


def test_the_probe_sees_third_party_cookies_when_chromium_allows_them(
    playwright, tmp_path, crm_url, widget_server
):
    context = launch_chromium(playwright, tmp_path / "profile", ALLOW_ALL_COOKIES)
    context.route("https://**/*", lambda route: route.abort())  # no CDN needed for this probe
    try:
        seen = iframe_cookie_probe(context, crm_url, widget_server.url)
    finally:
        context.close()
    assert "third_party=1" in seen["framed"]
    assert "first_party=1" in seen["framed"]
    assert seen["stored"] == ["first_party", "third_party"]
