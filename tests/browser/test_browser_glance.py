"""Issue 11's panel changes in real Chromium inside the demo CRM (strict CSP, htmx 4), with the
mirror ready: "How they pay" (the SVG bar and its figures), View details stacked at 320, 360
and 420 px (no sideways scroll, no number, date or amount broken over two lines), the
foreign-currency mark and conversion, Unlink with Undo (and Undo going away after its seconds),
and the view-only note; axe finds nothing serious or critical in any of these states."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Frame, Page, expect

from bench.contact_panel import XeroMeter
from tests.browser import axe
from tests.browser.chromium import RESULTS
from tests.browser.demo_crm import open_panel
from tests.browser.test_browser_accessibility import check
from tests.browser.test_browser_contact_panel import (
    EDITOR,
    NZ,
    VIEWER,
    connected_site,
    open_actions,
    person,
    unexpected,
    xero_person,
)
from tests.contact import expected
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import HeldJobs
from tests.panels.rows import invoice_row, quote_row
from widget.auth.workspaces import DEMO_WORKSPACE_ID

pytestmark = pytest.mark.browser

#: elements whose text must stay on one line (a number, a date, an amount)
UNBROKEN = (
    "#contact-details .doc-number, #contact-details .doc-date, #contact-details .doc-due, "
    "#contact-details .amount, #contact-details .doc-converted .nowrap, .age-band dd .nowrap"
)
BROKEN = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => new Set([...el.getClientRects()].map(r => Math.round(r.bottom))).size > 1
        || el.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(el).fontSize))
    .map(el => el.textContent.trim())"""
#: how far the page, or any list of documents, reaches past its own width
SIDEWAYS = """() => Math.max(
    document.documentElement.scrollWidth - document.documentElement.clientWidth,
    ...[...document.querySelectorAll('.documents, .paying')]
        .map(el => el.scrollWidth - el.clientWidth))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for site in connected_site(tmp_path_factory.mktemp("glance-browser")):
        site.app.extensions["jobs"].wait_idle(10)
        site.app.extensions["jobs"] = HeldJobs()
        site.app.config["UNLINK_UNDO_SECONDS"] = 3
        meter = XeroMeter(site.app.wsgi_app)
        site.app.wsgi_app = meter
        site.meter = meter
        yield site


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


@pytest.fixture(scope="module")
def tenant(site):
    return fill_mirror(site, DEMO_WORKSPACE_ID, NZ)


def _frame_width(page: Page, width: int) -> None:
    """The CRM's sidebar at `width` px inside the iframe's 1 px borders (window width, its
    scrollbar included, as a CRM sizes its sidebar)."""
    page.locator("#widget-panel").evaluate(
        "(f, w) => { f.style.width = f.parentElement.style.flexBasis = (w + 2) + 'px'; }",
        width,
    )
    frame = page.frame(name="widget-panel")
    frame.wait_for_function("(w) => window.innerWidth === w", arg=width)


def test_glance_and_stacked_details_from_320_to_420_px(
    page: Page, site, tenant, axe_js, browser_log
):
    rep = person("crm-person-04")
    contact_id = xero_person(rep.id).xero_contact_id
    today = expected.org_today(site, NZ)
    rows = [
        invoice_row(
            DEMO_WORKSPACE_ID,
            tenant,
            contact_id,
            number=f"INV-{9000 + n:04d}",
            total="123456.78",
            due=due,
            day=today - timedelta(days=days + 30),
            due_date=today - timedelta(days=days),
        )  # fmt: skip
        for n, (days, due) in enumerate(((5, "1234.56"), (40, "98765.43"), (100, "0.99")))
    ]
    paid = invoice_row(DEMO_WORKSPACE_ID, tenant, contact_id, number="INV-PAIDLATE",
                       status="PAID", due="0", due_date=today - timedelta(days=30))  # fmt: skip
    paid.fully_paid_on_date = today - timedelta(days=9)
    usd = quote_row(DEMO_WORKSPACE_ID, tenant, contact_id, number="QU-USD-0097", total="600.00",
                    day=today, expiry=today + timedelta(days=30))  # fmt: skip
    usd.currency_code, usd.currency_rate = "USD", Decimal("0.6")
    add_rows(site, *rows, paid, usd)
    site.link(rep.id, contact_id)
    mark = site.meter.mark()
    panel = open_panel(page, site.crm_url, f"people/{rep.id}", user=EDITOR)

    glance = panel.locator("#contact-summary [data-paying]")
    expect(glance).to_be_visible()
    expect(glance.get_by_role("img")).to_have_attribute(
        "aria-label", "Overdue by age, in NZD: " + "; ".join(
            f"{label}: {text}" for label, text in (
                ("1–30 days", _band(panel, "1_30")), ("31–60 days", _band(panel, "31_60")),
                ("61–90 days", _band(panel, "61_90")), ("Over 90 days", _band(panel, "over_90")),
            )
        ) + "."
    )  # fmt: skip
    expect(panel.locator(".paying-record")).to_have_attribute("data-worst-days", "21")
    quotes = panel.locator("#contact-summary [data-figure='open_quotes']")
    expect(quotes).to_have_attribute("data-converted", "1")
    expect(panel.locator("[data-converted-note]")).to_contain_text("converted from USD to NZD")
    check(page, panel, axe_js, "glance-how-they-pay")

    panel.get_by_text("View details").click()
    usd_row = panel.locator("#contact-details .documents-quote tr[data-number='QU-USD-0097']")
    expect(usd_row.locator(".doc-converted")).to_contain_text("1 NZD = 0.6 USD")
    expect(usd_row.locator(".doc-converted")).to_contain_text("NZ$1,000.00")
    expect(panel.locator("#contact-documents tr.document").first).to_be_visible()
    for width in (320, 360, 420):
        _frame_width(page, width)
        assert panel.evaluate(SIDEWAYS) <= 0, f"{width} px: sideways scroll"
        assert panel.evaluate(BROKEN, UNBROKEN) == [], f"{width} px: broken over lines"
        numbers = panel.locator("#contact-details .documents-invoice .doc-number")
        assert any(text.startswith("INV-9001") for text in numbers.all_inner_texts())
        check(page, panel, axe_js, f"glance-details-{width}px")
        RESULTS.mkdir(exist_ok=True)
        panel.locator("#contact-details").screenshot(path=str(RESULTS / f"glance-{width}px.png"))
    assert site.meter.since(mark) == []
    assert unexpected(browser_log.errors) == []


def _band(frame: Frame, key: str) -> str:
    band = frame.locator(f".age-band[data-age='{key}']")
    count = int(band.get_attribute("data-count"))
    if not count:
        return "none"
    total = band.locator("dd .nowrap").inner_text()
    return f"{total} ({count} invoice{'s' if count != 1 else ''})"


def test_unlink_offers_undo_which_restores_then_goes_away(
    page: Page, site, tenant, axe_js, browser_log
):
    rep = person("crm-person-08")
    contact_id = xero_person(rep.id).xero_contact_id
    site.link(rep.id, contact_id)
    panel = open_panel(page, site.crm_url, f"people/{rep.id}", user=EDITOR)
    name = panel.locator("#xero-contact-name").inner_text()
    open_actions(panel)
    panel.get_by_role("button", name="Unlink").click()
    expect(panel.locator("[data-state='unlinked']")).to_be_visible()
    notice = panel.locator("#contact-notice [data-unlinked-notice]")
    expect(notice).to_contain_text(f"Unlinked from {name}. Nothing was changed in Xero.")
    undo = notice.get_by_role("button", name=f"Undo unlinking {name}")
    expect(undo).to_be_visible()
    check(page, panel, axe_js, "glance-unlinked-with-undo")
    undo.click()
    expect(panel.locator("#xero-contact-name")).to_have_text(name)
    expect(panel.locator("[data-restored-notice]")).to_have_text(f"Linked to {name} again.")
    expect(panel.locator("#contact-summary [data-figure]")).to_have_count(5)
    check(page, panel, axe_js, "glance-undone")

    open_actions(panel)  # again, and let the offer run out (3 s in this app)
    panel.get_by_role("button", name="Unlink").click()
    expect(notice.get_by_role("button", name=f"Undo unlinking {name}")).to_be_visible()
    expect(notice.get_by_role("button")).to_have_count(0, timeout=6000)
    expect(notice).to_contain_text("To link it again, use the suggestions.")
    expect(panel.locator("[data-state='unlinked']")).to_be_visible()
    admin = open_panel(page, site.crm_url, "admin")
    expect(
        admin.locator("#audit tr").filter(has_text=f"Xero contact {name} again")
    ).to_contain_text("Mia Member undid an unlink")
    assert unexpected(browser_log.errors) == []


def test_view_only_members_are_told_why_they_cannot_link(
    page: Page, site, tenant, axe_js, browser_log
):
    panel = open_panel(page, site.crm_url, "people/crm-person-20", user=VIEWER)
    note = panel.locator("[data-edit-access]")
    expect(note).to_contain_text("Linking needs edit access. Ask")
    expect(panel.locator(".button-link")).to_have_count(0)
    check(page, panel, axe_js, "glance-view-only-note")
    assert unexpected(browser_log.errors) == []


def test_company_unlink_undo_and_how_they_pay(page: Page, site, tenant, axe_js, browser_log):
    panel = open_panel(page, site.crm_url, "companies/crm-company-03", user=EDITOR)
    suggestion = panel.locator("#company-suggestions .contact-row").first
    expect(suggestion).to_be_visible()
    contact_id = suggestion.get_attribute("data-xero-contact-id")
    today = expected.org_today(site, NZ)
    add_rows(
        site,
        invoice_row(DEMO_WORKSPACE_ID, tenant, contact_id, number="INV-CO-LATE", due="42.00",
                    due_date=today - timedelta(days=70)),
    )  # fmt: skip
    suggestion.get_by_role("button", name="Link").click()
    expect(panel.locator(".own-link [data-state='linked']")).to_be_visible()
    name = panel.locator("#own-link-heading").inner_text()
    glance = panel.locator("#company-summary [data-paying]")
    expect(glance).to_be_visible()
    expect(glance.locator(".age-band[data-age='61_90']")).not_to_have_attribute("data-count", "0")
    check(page, panel, axe_js, "glance-company-how-they-pay")
    panel.get_by_role("button", name=f"Unlink the company from {name}").click()
    notice = panel.locator("#company-notice [data-unlinked-notice]")
    expect(notice).to_contain_text(f"Unlinked from {name}.")
    check(page, panel, axe_js, "glance-company-unlinked-with-undo")
    notice.get_by_role("button", name=f"Undo unlinking {name}").click()
    expect(panel.locator("#own-link-heading")).to_have_text(name)
    expect(panel.locator("#company-notice [data-restored-notice]")).to_be_visible()
    assert unexpected(browser_log.errors) == []
