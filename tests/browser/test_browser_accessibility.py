"""Accessibility of the panels in real Chromium, inside the demo CRM's cross-site iframe.

An axe-core scan (tests/browser/axe.py) of every state of the contact panel, of the draft forms
opened from it, and of the admin, company and deal panels finds no serious or critical violation
(the lesser ones are printed: run with -s to read them). Every action of the contact panel can be
reached and operated from the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape on the menu).
"""

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser import axe
from tests.browser.demo_crm import open_panel
from tests.browser.test_browser_contact_panel import (
    EDITOR,
    NZ,
    VIEWER,
    connected_site,
    open_actions,
    shoot,
    unexpected,
    xero_person,
)
from widget.demo.records import directory

pytestmark = pytest.mark.browser

SEARCH = "Name, first name, last name or company"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from connected_site(tmp_path_factory.mktemp("accessibility-browser"))


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


def settled(frame: Frame) -> Frame:
    """No htmx request in flight and no placeholder still loading."""
    expect(frame.locator(".htmx-request")).to_have_count(0)
    expect(frame.locator(".loading:visible")).to_have_count(0)
    return frame


#: how far the panel's page reaches past the frame's width (the CRM's 360 px sidebar)
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def check(page: Page, frame: Frame, axe_js: str, state: str) -> None:
    """axe finds nothing serious, and nothing makes the panel scroll sideways (WCAG reflow)."""
    axe.assert_accessible(settled(frame), axe_js, state)
    assert frame.evaluate(OVERFLOW) <= 0, f"{state}: the panel is wider than its frame"
    shoot(page, f"a11y-{state}")


def test_the_scan_finds_what_it_should(page: Page, site, axe_js, browser_log):
    """The scan can fail: a nameless button and an image without alt are reported."""
    frame = settled(open_panel(page, site.crm_url, "people/crm-person-20", user=EDITOR))
    frame.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
             '<button id="nameless"></button><img id="no-alt" src="/static/none.png">')"""
    )
    found = {v.rule: v for v in axe.scan(frame, axe_js)}
    assert found["button-name"].impact == "critical" and "#nameless" in found["button-name"].targets
    assert "#no-alt" in found["image-alt"].targets
    with pytest.raises(AssertionError, match="button-name"):
        axe.assert_accessible(frame, axe_js, "broken on purpose")
    browser_log.clear()  # the missing image's 404, asked for on purpose


def test_the_unlinked_contact_panel_states(page: Page, site, axe_js, browser_log):
    frame = open_panel(page, site.crm_url, "people/crm-person-01", user=EDITOR)
    expect(frame.locator("#contact-suggestions .contact-row").first).to_be_visible()
    check(page, frame, axe_js, "contact-suggestions")

    frame = open_panel(page, site.crm_url, "people/crm-person-16", user=EDITOR)
    expect(frame.locator("#contact-suggestions")).to_contain_text("No records found")
    check(page, frame, axe_js, "contact-no-records")
    frame.get_by_label(SEARCH).fill("Tandem")
    expect(frame.locator("#search-results .contact-row").first).to_be_visible()
    check(page, frame, axe_js, "contact-search-results")
    frame.get_by_label(SEARCH).fill("qzxv")
    expect(frame.locator("#search-results")).to_contain_text("No records found")
    check(page, frame, axe_js, "contact-search-nothing")

    frame.get_by_text("Add contact to Xero").click()
    form = frame.locator("#add-contact-form")
    check(page, frame, axe_js, "contact-add-form")
    form.get_by_label("Name in Xero").fill("Tandem Motors Ltd")
    form.get_by_role("button", name="Create in Xero and link").click()
    expect(frame.locator("#new-contact-name")).to_have_attribute("aria-invalid", "true")
    check(page, frame, axe_js, "contact-add-form-error")
    for e in browser_log.errors:
        print("ERR", e)
    assert unexpected(browser_log.errors) == []


def test_the_linked_contact_panel_states(page: Page, site, axe_js, browser_log):
    frame = open_panel(page, site.crm_url, "people/crm-person-01", user=EDITOR)
    frame.locator("#contact-suggestions .contact-row").first.get_by_role(
        "button", name="Link"
    ).click()
    expect(frame.locator("#contact-summary [data-figure]")).to_have_count(5)
    check(page, frame, axe_js, "contact-linked")
    open_actions(frame)
    check(page, frame, axe_js, "contact-actions-menu")
    frame.locator(".actions-menu > summary").click()
    frame.get_by_text("View details").click()
    expect(frame.locator("#contact-details .documents").first).to_be_visible()
    check(page, frame, axe_js, "contact-details")

    for item, kind in (
        ("Add quote", "quote"),
        ("Add invoice (draft)", "invoice"),
        ("Add bill", "bill"),
    ):
        open_actions(frame)
        frame.get_by_role("button", name=item).click()
        expect(frame.locator("[data-draft-form]")).to_be_visible()
        check(page, frame, axe_js, f"draft-{kind}-form")
    frame.locator("[data-draft-form] [name=description]").first.fill("Paper")
    frame.locator("[data-draft-form] [name=quantity]").first.fill("lots")
    frame.locator("[data-draft-form] button[type=submit]").click()
    expect(frame.locator("[data-draft-form] [aria-invalid='true']").first).to_be_visible()
    check(page, frame, axe_js, "draft-bill-form-errors")

    quick = site.panel_url("crm-person-01") + "&view=quick"  # the CRM's quick view, same frame
    with page.expect_response(lambda response: response.url == quick):
        page.locator("#widget-panel").evaluate("(frame, url) => { frame.src = url; }", quick)
    frame = page.frame(name="widget-panel")
    frame.wait_for_load_state()
    expect(frame.locator("[data-view='quick'] [data-figure]")).to_have_count(5)
    check(page, frame, axe_js, "contact-quick-view")

    frame = open_panel(page, site.crm_url, "people/crm-person-01", user=VIEWER)
    expect(frame.locator("#contact-summary [data-figure]")).to_have_count(5)
    open_actions(frame)
    check(page, frame, axe_js, "contact-view-only")
    assert unexpected(browser_log.errors) == []


def test_the_error_state(page: Page, site, axe_js, browser_log):
    person_id = "crm-person-08"
    site.link(person_id, xero_person(person_id).xero_contact_id)
    site.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        frame = open_panel(page, site.crm_url, f"people/{person_id}", user=EDITOR)
        expect(frame.get_by_role("button", name="Retry")).to_be_visible()
        check(page, frame, axe_js, "contact-error")
        open_actions(frame)
        check(page, frame, axe_js, "contact-error-menu")
    finally:
        site.sandbox.faults.clear(site.org().tenant_id)
    frame.locator(".actions-menu > summary").click()
    frame.get_by_role("button", name="Retry").click()
    expect(frame.locator("#contact-summary [data-figure]")).to_have_count(5)
    site.sandbox.faults.set(NZ, error_rate=1.0)
    try:  # the last known figures, dimmed, with their age and Retry
        frame.get_by_role("button", name="Refresh figures from Xero").click()
        expect(frame.locator("#contact-summary .summary")).to_have_attribute("data-stale", "true")
        check(page, frame, axe_js, "contact-error-stale-figures")
    finally:
        site.sandbox.faults.clear(site.org().tenant_id)
    assert unexpected(browser_log.errors) == []


def test_the_admin_company_and_deal_panels(page: Page, site, axe_js, browser_log):
    frame = open_panel(page, site.crm_url, "admin")
    expect(frame.locator("#xero-connection")).to_contain_text("Demo Company (NZ)")
    check(page, frame, axe_js, "admin")

    crm = directory()
    company = crm.companies[0]
    frame = open_panel(page, site.crm_url, f"companies/{company.id}", user=EDITOR)
    expect(frame.get_by_text(company.name).first).to_be_visible()
    check(page, frame, axe_js, "company")
    suggestion = frame.locator("#company-suggestions .contact-row").first
    if suggestion.count():
        suggestion.get_by_role("button", name="Link").click()
        expect(frame.locator(".own-link [data-state='linked']")).to_be_visible()
        frame.get_by_text("View details").click()
        check(page, frame, axe_js, "company-linked-details")

    deal = crm.deals[0]
    frame = open_panel(page, site.crm_url, f"deals/{deal.id}", user=EDITOR)
    expect(frame.get_by_text(deal.name).first).to_be_visible()
    check(page, frame, axe_js, "deal")
    primary = frame.locator(".person-row").first
    primary.locator("details.person-link > summary").click()
    expect(primary.locator(".contact-row").first).to_be_visible()
    check(page, frame, axe_js, "deal-person-choices")
    primary.locator(".contact-row").first.get_by_role("button", name="Link").click()
    expect(frame.locator(".person-row").first.locator(".link-state-linked")).to_be_visible()
    frame.get_by_text("Choose documents").click()
    expect(frame.locator("#deal-choices")).to_be_visible()
    check(page, frame, axe_js, "deal-choose-documents")
    assert unexpected(browser_log.errors) == []


# --- keyboard -----------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!document.hasFocus() || !el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const name = el.getAttribute("aria-label") || label || el.innerText || el.value || "";
  return el.tagName.toLowerCase() + ": " + name.replace(/\\s+/g, " ").trim();
}"""

#: what a person can operate, in document order, as they are shown now
OPERABLE = """(after) => {
  const start = after ? document.querySelector(after) : null;
  const all = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]");
  return [...all].filter(el => el.tabIndex >= 0 && !el.disabled && el.checkVisibility()
      && !(start && (start.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING)))
    .map(el => {
      const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
      const name = el.getAttribute("aria-label") || label || el.innerText || el.value || "";
      return el.tagName.toLowerCase() + ": " + name.replace(/\\s+/g, " ").trim();
    });
}"""


def focused(frame: Frame) -> str | None:
    return frame.evaluate(FOCUSED)


def tab_through(page: Page, frame: Frame) -> list[str]:
    """Press Tab from where focus is until it leaves the frame; what got focus, in order."""
    seen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(frame)
        if now is None:
            return seen
        seen.append(now)
    raise AssertionError(f"focus never left the panel: {seen}")


def tab_to(page: Page, frame: Frame, name: str, key: str = "Tab") -> None:
    """Press `key` (Tab or Shift+Tab) until the element named `name` (a prefix) has focus."""
    for _ in range(40):
        now = focused(frame)
        if now and now.split(": ", 1)[1].startswith(name):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{name!r} cannot be reached with {key}")


def start_at(frame: Frame, selector: str) -> None:
    """Put the keyboard's starting point in the panel, as a click on its text would."""
    frame.locator(selector).click()


def test_every_contact_panel_action_works_from_the_keyboard(page: Page, site, browser_log):
    person_id = "crm-person-11"  # suggested: a Xero contact with the person's company name
    expected_id = xero_person(person_id).xero_contact_id
    frame = settled(open_panel(page, site.crm_url, f"people/{person_id}", user=EDITOR))
    row = frame.locator(f"#contact-suggestions .contact-row[data-xero-contact-id='{expected_id}']")
    name = row.locator(".contact-name").inner_text()

    # not linked: Tab reaches everything shown, in order, and leaves the panel at the end
    start_at(frame, "#contact-record-name")
    order = tab_through(page, frame)
    assert order == frame.evaluate(OPERABLE, "#contact-record-name")
    for wanted in (f"button: Link {name}", f"input: {SEARCH}", "summary: Add contact to Xero"):
        assert wanted in order, order

    # search by typing; its results come next in the tab order
    start_at(frame, "#contact-record-name")
    tab_to(page, frame, SEARCH)
    page.keyboard.type("Tandem")
    expect(frame.locator("#search-results .contact-row").first).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(frame).startswith("button: Link Tandem")

    # Add contact opens with Space and Enter, and its fields come next
    tab_to(page, frame, "Add contact to Xero")
    page.keyboard.press("Space")
    expect(frame.locator("#add-contact-form")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(frame) == "input: Name in Xero *"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(frame.locator("#add-contact-form")).to_be_hidden()

    # Link with Enter: focus lands on the linked contact's name, which announces the new state
    tab_to(page, frame, f"Link {name}", "Shift+Tab")
    page.keyboard.press("Enter")
    heading = frame.locator("#xero-contact-name")
    expect(heading).to_have_text(name)
    expect(heading).to_be_focused()
    expect(frame.locator("#contact-summary [data-figure]")).to_have_count(5)
    order = tab_through(page, frame)
    assert order == frame.evaluate(OPERABLE, "#xero-contact-name")
    assert order[:4] == [
        "a: View in Xero (opens a new tab)",
        "summary: Actions",
        "button: Refresh figures from Xero",
        "summary: View details",
    ], order

    # Refresh with Enter fetches anew; focus is not lost
    start_at(frame, "#contact-record-name")
    tab_to(page, frame, "Refresh figures from Xero")
    with page.expect_request(lambda r: "/contact/summary?refresh=1" in r.url):
        page.keyboard.press("Enter")
    settled(frame)
    assert focused(frame) is not None

    # View details with Enter; the documents' links come next
    tab_to(page, frame, "View details")
    page.keyboard.press("Enter")
    expect(frame.locator("#contact-details .documents").first).to_be_visible()
    settled(frame)
    links = frame.locator("#contact-details a")
    if links.count():
        page.keyboard.press("Tab")
        assert focused(frame).startswith("a: ") and "in Xero (opens a new tab)" in focused(frame)

    # the actions menu: Enter and Space toggle it, Tab walks its items, Escape closes it
    menu = frame.locator(".actions-menu .menu-items")
    tab_to(page, frame, "Actions", "Shift+Tab")
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    items = []
    for _ in range(6):
        page.keyboard.press("Tab")
        items.append(focused(frame))
    assert items == [
        "button: Add quote",
        "button: Add invoice (draft)",
        "button: Add bill",
        "a: View in Xero (opens a new tab)",
        "button: Unlink",
        "button: Refresh",
    ]
    tab_to(page, frame, "Actions", "Shift+Tab")
    page.keyboard.press("Space")
    expect(menu).to_be_hidden()
    page.keyboard.press("Space")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert focused(frame) == "summary: Actions"

    # Add quote from the menu opens its form with focus in it; Cancel closes it
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(frame.locator("[data-draft-form]")).to_be_visible()
    expect(frame.locator("#draft-heading")).to_be_focused()
    tab_to(page, frame, "Cancel")
    page.keyboard.press("Enter")
    expect(frame.locator("[data-draft-form]")).to_have_count(0)

    # Unlink from the menu: focus lands on the unlinked state's lead
    start_at(frame, "#contact-record-name")
    tab_to(page, frame, "Actions")
    page.keyboard.press("Enter")
    tab_to(page, frame, "Unlink")
    page.keyboard.press("Enter")
    lead = frame.get_by_text("Not linked to a Xero contact yet.")
    expect(lead).to_be_focused()
    assert browser_log.errors == []


def test_a_loading_panel_never_takes_focus_from_the_crm_page(page: Page, site, browser_log):
    """Figures arrive after the page: the swap must not pull a rep typing in the CRM into the
    sidebar (focus moves to a panel's heading only when the panel had focus)."""
    person_id = "crm-person-10"
    site.link(person_id, xero_person(person_id).xero_contact_id)  # cold: figures load later
    company = directory().companies[1]
    for path, loaded in (
        (f"people/{person_id}", "#contact-summary [data-figure]"),
        (f"companies/{company.id}", "#company-summary"),
        (f"deals/{directory().deals[1].id}", "#deal-summary"),
    ):
        page.goto(f"{site.crm_url}{path}?user={EDITOR}")
        page.locator("#acting-as").focus()
        frame = page.frame(name="widget-panel")
        expect(frame.locator(loaded).first).to_be_visible()
        settled(frame)  # the swaps are done, and with them any focus move
        expect(page.locator("#acting-as")).to_be_focused()
        assert focused(frame) is None, path
    assert browser_log.errors == []
