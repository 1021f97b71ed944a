"""The draft form as reps found it (issue 11), in Chromium: it opens scrolled into view at the
bottom of a tall panel, an item's price reads as money ("165.00"), each date is echoed in the
panel's own date style for the reader's locale (whatever the browser's date control shows),
a line without an account says it needs one before approval, and notes and discounts are
explained; a zero total is refused with its message; Add contact's duplicate-name refusal offers
the existing contact. Each new state passes an axe scan."""

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser import axe
from tests.contact.support import NZ, serve_panels, stored
from widget.auth.launch import sign_launch_token

pytestmark = pytest.mark.browser

USER = {"id": "rep-words", "name": "Wen Words", "email": "wen@crm.test", "admin": True,
        "locale": "en-NZ"}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for server in serve_panels(tmp_path_factory, "browser-draft-words"):
        yield server, server.connected_workspace(NZ)


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


def _open(page: Page, site, record: dict, height: int = 1200) -> None:
    server, workspace = site
    token = sign_launch_token(workspace.id, workspace.secret, user=USER, record=record,
                              panel="contact")  # fmt: skip
    page.set_viewport_size({"width": 380, "height": height})
    page.goto(f"{server.url}/contact?token={token}")


def _linked(page: Page, site) -> None:
    server, _workspace = site
    customer = next(c for c in stored(server, NZ, "contact") if c["ContactStatus"] == "ACTIVE"
                    and c.get("FirstName"))  # fmt: skip
    record = {"type": "contact", "id": f"crm-{secrets.token_hex(4)}", "name": "Form Person"}
    _open(page, site, record, height=420)  # short: the form opens below the fold
    page.locator("#contact-search").fill(customer["FirstName"])
    row = page.locator(f'#search-results [data-xero-contact-id="{customer["ContactID"]}"]')
    row.get_by_role("button", name=f"Link {customer['Name']}").click()
    expect(page.locator("#contact-summary [data-figure]")).to_have_count(5, timeout=15_000)


def _in_view(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )


def test_the_draft_form_reads_as_the_panel_does(page: Page, site, axe_js):
    _linked(page, site)
    page.locator(".actions-menu > summary").click()
    page.get_by_role("button", name="Add invoice (draft)").click()
    form = page.locator("[data-draft-form]")
    expect(form).to_be_visible(timeout=15_000)
    heading = form.locator("#draft-heading")
    expect(heading).to_be_focused()
    assert _in_view(heading), "the form must open scrolled into view"

    # dates: the form says them as the panel does for en-NZ ("30 Nov 2026"), kept in step
    date_field = form.locator('input[name="date"]')
    echo = date_field.locator("xpath=ancestor::div[1]").locator("[data-day-text]")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", echo.inner_text().strip())
    date_field.fill("2026-11-30")
    expect(echo).to_have_text("30 Nov 2026")

    # an item's price as money; a line without an account is flagged, not refused
    line = form.locator("[data-lines] [data-line]").first
    line.locator("[name=item_code]").select_option("DEV-HR")
    expect(line.locator('[name="unit_amount"]')).to_have_value("165.00")
    note = line.locator("[data-account-needed]")
    expect(note).to_be_hidden()
    line.locator("[name=account_code]").select_option("")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Xero needs one on every line before it can be approved")
    expect(form).to_contain_text("Lines at zero (notes) and negative lines (discounts) are fine")
    axe.assert_accessible(page.main_frame, axe_js, "draft form with a line needing an account")

    # a zero total is refused with its message, at the top of the form
    line.locator("[name=item_code]").select_option("")
    line.locator('[name="description"]').fill("Just a note")
    line.locator('[name="unit_amount"]').fill("0")
    form.get_by_role("button", name="Create draft invoice in Xero").click()
    refused = page.locator("[data-draft-form] [data-general-errors]")
    expect(refused).to_contain_text("The total is zero", timeout=15_000)
    expect(refused).to_be_focused()
    axe.assert_accessible(page.main_frame, axe_js, "draft form refused for a zero total")


def test_a_taken_name_offers_to_link_the_existing_contact(page: Page, site, axe_js):
    server, _workspace = site
    taken = next(c for c in stored(server, NZ, "contact") if c["ContactStatus"] == "ACTIVE")
    _open(page, site, {"type": "contact", "id": f"crm-{secrets.token_hex(4)}",
                       "name": taken["Name"]})  # fmt: skip
    page.locator("[data-add-contact] > summary").click()
    page.get_by_role("button", name="Create in Xero and link").click()
    offer = page.get_by_role("button", name="Link the existing contact instead")
    expect(offer).to_be_visible(timeout=15_000)
    axe.assert_accessible(page.main_frame, axe_js, "Add contact refused: the name is taken")
    offer.click()
    expect(page.locator('[data-state="linked"]')).to_be_visible(timeout=15_000)
    expect(page.locator("#contact-body")).to_contain_text(taken["Name"])
