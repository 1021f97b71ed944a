"""Launching Debian's Chromium for the tests: the profile that blocks third-party cookies, the
refusal of any request leaving the machine, the pinned htmx CDN answered locally, screenshots."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Route

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


def screenshot(page: Page, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path))  # full_page re-lays out cross-site iframes wrongly
    return path


def panel_screenshot(page: Page, name: str) -> Path:
    """Just the widget's 360 px iframe, to judge the panel at the width a CRM sidebar gives it."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-panel.png"
    page.locator("#widget-panel").screenshot(path=str(path))
    return path
