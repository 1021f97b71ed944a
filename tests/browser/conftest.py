"""Headless Chromium (Debian's, via Playwright) against the app on a real socket.

One browser for the whole session (launching is the slow part). Third-party cookies are blocked
by the profile's own setting, as Safari, Firefox and Chrome's incognito do, so every test proves
the widget works without them. The pinned htmx CDN URL is answered with the npm package's file;
any other request leaving the machine is refused and fails the test that made it.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Route, sync_playwright

from tests.browser.htmx_cdn import package_file, tarball
from tests.conftest import LiveServer, make_test_app, serve
from widget import assets

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Chromium's cookie setting (chrome://settings/cookies): 0 allow all, 1 block third-party,
#: 2 block third-party in incognito only. Command-line switches for this no longer exist.
BLOCK_THIRD_PARTY_COOKIES = 1
ALLOW_ALL_COOKIES = 0
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 10_000


@dataclass
class BrowserLog:
    """What pages said that a test should not ignore: console errors, uncaught exceptions,
    and requests that tried to leave the machine."""

    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.errors.clear()
        self.outside_requests.clear()


def launch_chromium(
    playwright: Playwright, profile_dir: Path, cookie_controls_mode: int
) -> BrowserContext:
    """A persistent profile, because its Preferences file is where Chromium takes the cookie
    setting from; Playwright's browser download is never used."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/test (it installs Debian's chromium)")
    default = profile_dir / "Default"
    default.mkdir(parents=True, exist_ok=True)
    preferences = {"profile": {"cookie_controls_mode": cookie_controls_mode}}
    (default / "Preferences").write_text(json.dumps(preferences))
    context = playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1200, "height": 860},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def serve_cdn(context: BrowserContext, htmx_js: bytes, log: BrowserLog) -> None:
    """Refuse the outside world, then answer the pinned htmx URL (later routes win)."""

    def refuse(route: Route) -> None:
        log.outside_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def answer_htmx(route: Route) -> None:
        route.fulfill(
            status=200,
            body=htmx_js,
            headers={
                "Content-Type": "text/javascript; charset=utf-8",
                "Access-Control-Allow-Origin": "*",
            },
        )

    context.route(lambda url: urlsplit(url).hostname not in LOOPBACK_HOSTS, refuse)
    context.route(assets.HTMX_URL, answer_htmx)


@pytest.fixture(scope="session")
def htmx_js(request) -> bytes:
    """dist/htmx.min.js from the npm package of the pinned version (cached in .pytest_cache)."""
    cache_dir = Path(request.config.cache.mkdir("htmx-npm"))
    return package_file(tarball(cache_dir))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture(scope="session")
def browser(playwright, tmp_path_factory, htmx_js, browser_log) -> Iterator[BrowserContext]:
    context = launch_chromium(
        playwright, tmp_path_factory.mktemp("chromium-profile"), BLOCK_THIRD_PARTY_COOKIES
    )
    serve_cdn(context, htmx_js, browser_log)
    context.on("console", lambda msg: _console(browser_log, msg))
    context.on("weberror", lambda error: browser_log.errors.append(f"uncaught: {error.error}"))
    yield context
    context.close()


def _console(log: BrowserLog, message) -> None:
    if message.type == "error":
        log.errors.append(f"console: {message.text} @ {message.location.get('url', '')}")


@pytest.fixture
def page(browser, browser_log) -> Iterator[Page]:
    """A fresh tab; the test fails if anything tried to reach beyond loopback."""
    browser_log.clear()
    browser.clear_cookies()
    tab = browser.new_page()
    yield tab
    for other in browser.pages:
        other.close()
    assert browser_log.outside_requests == [], "pages tried to reach the internet"


@pytest.fixture(scope="session")
def widget_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The whole app (panels, demo CRM, sandbox) for the browser tests, on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("browser-app")
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield from serve(application)
    application.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def crm_url(widget_server) -> str:
    """The demo CRM on `localhost`: another site than the widget's 127.0.0.1."""
    return widget_server.url.replace("127.0.0.1", "localhost") + "/demo-crm/"


def screenshot(page: Page, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
