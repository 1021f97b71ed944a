"""Working indicators under a slow Xero (issue 11), in Chromium: with 2.5 s of latency on every
Accounting call (the sandbox's `latency_ms` fault), search shows "Searching Xero…", Link,
Refresh and a draft's Create show a spinner and are disabled until the answer is in (a second
click sends nothing), the target is marked aria-busy, and the rest of the panel stays usable
meanwhile. The new states pass an axe scan (no serious or critical violations)."""

import secrets
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.contact.support import NZ, serve_panels, stored
from widget.auth.launch import sign_launch_token

pytestmark = pytest.mark.browser

LATENCY_MS = 2500
SOON_MS = 1500  # well before a 2.5 s answer: the indicator must already show
#: a CRM admin: edit access without a grant step (the indicators are the same for editors)
USER = {"id": "rep-slow", "name": "Sam Slow", "email": "sam@crm.test", "admin": True}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app with its jobs held (no mirror: every panel read goes to Xero, slowed)."""
    for server in serve_panels(tmp_path_factory, "browser-indicators"):
        yield server, server.connected_workspace(NZ)


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


@pytest.fixture
def slow(site):
    server, _workspace = site
    yield lambda: server.sandbox.faults.set(NZ, latency_ms=LATENCY_MS)
    server.release(NZ)


def _open(page: Page, site, record: dict) -> None:
    server, workspace = site
    token = sign_launch_token(workspace.id, workspace.secret, user=USER, record=record,
                              panel="contact")  # fmt: skip
    page.set_viewport_size({"width": 380, "height": 1200})
    page.goto(f"{server.url}/contact?token={token}")


def _spinning(locator) -> bool:
    """The button shows htmx 4's request state: the class and our spinner drawn after it."""
    return locator.evaluate(
        "el => el.closest('.htmx-request') !== null"
        " && getComputedStyle(el, '::after').content !== 'none'"
    )


def _customer(server) -> dict:
    return next(c for c in stored(server, NZ, "contact") if c["ContactStatus"] == "ACTIVE"
                and c.get("FirstName"))  # fmt: skip


def test_search_and_link_show_they_are_working_and_leave_the_panel_usable(
    page: Page, site, slow, axe_js
):
    server, _workspace = site
    customer = _customer(server)
    _open(page, site, {"type": "contact", "id": f"crm-{secrets.token_hex(4)}", "name": "Nobody Q"})
    expect(page.locator("#contact-suggestions .loading")).to_have_count(0, timeout=15_000)
    slow()

    search = page.locator("#contact-search")
    busy = page.locator("#search-busy")
    expect(busy).to_be_hidden()
    search.fill(customer["FirstName"])
    started = time.monotonic()
    expect(busy).to_be_visible(timeout=SOON_MS)
    expect(busy).to_contain_text("Searching Xero")
    assert search.is_enabled()  # typing goes on while Xero answers
    expect(page.locator("#search-results")).to_have_attribute("aria-busy", "true")
    axe.assert_accessible(page.main_frame, axe_js, "searching under a slow Xero")
    page.locator("[data-add-contact] > summary").click()  # the rest of the panel still works
    expect(page.locator("#add-contact-form")).to_be_visible(timeout=SOON_MS)
    row = page.locator(f'#search-results [data-xero-contact-id="{customer["ContactID"]}"]')
    expect(row).to_be_visible(timeout=15_000)
    expect(busy).to_be_hidden()
    assert time.monotonic() - started >= LATENCY_MS / 1000 * 0.8  # it really was slow

    link = row.get_by_role("button", name=f"Link {customer['Name']}")
    link.click()
    expect(link).to_be_disabled(timeout=SOON_MS)
    assert _spinning(link)
    link.click(force=True)  # a second press while the first runs sends nothing
    axe.assert_accessible(page.main_frame, axe_js, "linking under a slow Xero")
    assert search.is_enabled()
    expect(page.locator('[data-state="linked"]')).to_be_visible(timeout=15_000)


def test_refresh_and_create_show_they_are_working_and_cannot_be_pressed_twice(
    page: Page, site, slow, axe_js
):
    server, _workspace = site
    customer = _customer(server)
    record = {"type": "contact", "id": f"crm-{secrets.token_hex(4)}", "name": "Linked Slowly"}
    _open(page, site, record)
    expect(page.locator("#contact-suggestions .loading")).to_have_count(0, timeout=15_000)
    page.locator("#contact-search").fill(customer["FirstName"])
    row = page.locator(f'#search-results [data-xero-contact-id="{customer["ContactID"]}"]')
    row.get_by_role("button", name=f"Link {customer['Name']}").click()
    expect(page.locator("#contact-summary [data-figure]")).to_have_count(5, timeout=15_000)
    slow()

    refresh = page.locator("#contact-summary .button-refresh")
    refresh.click()
    expect(refresh).to_be_disabled(timeout=SOON_MS)
    assert _spinning(refresh)
    expect(page.locator("#contact-summary")).to_have_attribute("aria-busy", "true")
    page.locator(".actions-menu > summary").click()  # the menu opens meanwhile
    expect(page.locator(".actions-menu .menu-items")).to_be_visible(timeout=SOON_MS)
    axe.assert_accessible(page.main_frame, axe_js, "refreshing under a slow Xero")
    expect(page.locator("#contact-summary .button-refresh")).to_be_enabled(timeout=20_000)
    expect(page.locator("#contact-summary")).not_to_have_attribute("aria-busy", "true")

    menu = page.locator(".actions-menu")
    if menu.get_attribute("open") is None:  # the refreshed summary brought its menu closed
        menu.locator("> summary").click()
    page.get_by_role("button", name="Add quote").click()
    form = page.locator("[data-draft-form]")
    expect(form).to_be_visible(timeout=20_000)
    reference = f"slow-{secrets.token_hex(4)}"
    form.locator('[name="reference"]').fill(reference)
    line = form.locator("[data-lines] [data-line]").first
    line.locator('[name="description"]').fill("Slow work")
    line.locator('[name="unit_amount"]').fill("120")
    create = form.get_by_role("button", name="Create quote in Xero")
    create.click()
    expect(create).to_be_disabled(timeout=SOON_MS)
    assert _spinning(create)
    create.click(force=True)  # ignored: disabled while the first press runs
    expect(page.locator("[data-draft-created]")).to_be_visible(timeout=20_000)
    found = [q for q in stored(server, NZ, "quote") if q.get("Reference") == reference]
    assert len(found) == 1
