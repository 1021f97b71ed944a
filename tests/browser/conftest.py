"""Headless Chromium (Debian's, via Playwright) against the app on a real socket.

One browser for the whole session (launching is the slow part). Third-party cookies are blocked
by the profile's own setting, as Safari, Firefox and Chrome's incognito do, so every test proves
the widget works without them. The pinned htmx CDN URL is answered with the npm package's file;
any other request leaving the machine is refused and fails the test that made it.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from tests.browser.chromium import (
    BLOCK_THIRD_PARTY_COOKIES,
    BrowserLog,
    launch_chromium,
    serve_cdn,
)
from tests.browser.htmx_cdn import package_file, tarball
from tests.conftest import LiveServer, make_test_app, serve


@pytest.fixture(scope="session")
def htmx_cache_dir(request, tmp_path_factory) -> Path:
    """Where the npm tarball is kept between runs (.pytest_cache, or a temp dir without it)."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    return Path(cache.mkdir("htmx-npm")) if cache else tmp_path_factory.mktemp("htmx-npm")


@pytest.fixture(scope="session")
def htmx_js(htmx_cache_dir) -> bytes:
    """dist/htmx.min.js from the npm package of the pinned version."""
    return package_file(tarball(htmx_cache_dir))


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


def fresh_server(folder: Path, **overrides) -> Iterator[LiveServer]:
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}", **overrides)
    yield from serve(application)
    application.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def widget_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The whole app (panels, demo CRM, sandbox) for the browser tests, on 127.0.0.1."""
    yield from fresh_server(tmp_path_factory.mktemp("browser-app"))


def crm_url_of(server: LiveServer) -> str:
    """The demo CRM on `localhost`: another site than the widget's 127.0.0.1."""
    return server.url.replace("127.0.0.1", "localhost") + "/demo-crm/"


@pytest.fixture(scope="session")
def crm_url(widget_server) -> str:
    return crm_url_of(widget_server)
