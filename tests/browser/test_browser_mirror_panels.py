"""The contact panel reading the organisation mirror, in real Chromium inside the demo CRM:
Credit available, View details with All documents a page at a time (More swaps its row for the
next 25), the status filter, and search over the mirror, with no Xero call and no console error.
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from bench.contact_panel import XeroMeter
from tests.browser import axe
from tests.browser.demo_crm import open_panel
from tests.browser.test_browser_accessibility import check
from tests.browser.test_browser_contact_panel import (
    EDITOR,
    NZ,
    connected_site,
    person,
    unexpected,
    xero_person,
)
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import HeldJobs
from tests.panels.rows import credit_row, invoice_row
from widget.auth.workspaces import DEMO_WORKSPACE_ID

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for site in connected_site(tmp_path_factory.mktemp("mirror-browser")):
        # the first sync queued by connecting: let it finish (or give up), then hold the queue
        # so the mirror stays as the test fills it
        site.app.extensions["jobs"].wait_idle(10)
        site.app.extensions["jobs"] = HeldJobs()
        meter = XeroMeter(site.app.wsgi_app)
        site.app.wsgi_app = meter
        site.meter = meter
        yield site


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


@pytest.fixture(scope="module")
def tenant(site):
    """The demo workspace's mirror of the NZ organisation, filled and ready."""
    return fill_mirror(site, DEMO_WORKSPACE_ID, NZ)


def test_all_documents_page_by_page_from_the_mirror(page: Page, site, tenant, axe_js, browser_log):
    rep = person("crm-person-04")
    contact_id = xero_person(rep.id).xero_contact_id
    workspace_id = DEMO_WORKSPACE_ID
    start = date(2019, 1, 1)
    add_rows(
        site,
        *[
            invoice_row(workspace_id, tenant, contact_id, number=f"HIST-{n:03d}", status="PAID",
                        due="0", day=start + timedelta(days=n))
            for n in range(60)
        ],
        credit_row(workspace_id, tenant, contact_id, number="CN-77", remaining="77.00"),
    )  # fmt: skip
    site.link(rep.id, contact_id)
    mark = site.meter.mark()
    panel = open_panel(page, site.crm_url, f"people/{rep.id}", user=EDITOR)
    expect(panel.locator("#contact-summary [data-figure]")).to_have_count(5)
    credit = panel.locator("#contact-summary [data-credit='sales_credit']")
    expect(credit).to_have_attribute("data-total", "77.00")

    panel.get_by_text("View details").click()
    expect(panel.locator("#contact-details .documents-sales-credit tr.document")).to_have_count(1)
    listing = panel.locator("#contact-documents")
    listing.get_by_label("Status").select_option("paid")
    rows = listing.locator("tr.document")
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_attribute("data-number", "HIST-059")
    listing.get_by_role("button", name="More").click()
    expect(rows).to_have_count(50)
    total = 60 + _paid_in_seed(site, contact_id)
    while total > rows.count():  # each More swaps its own row for the next page
        shown = rows.count()
        listing.get_by_role("button", name="More").click()
        expect(rows).to_have_count(min(total, shown + 25))
    expect(listing.get_by_role("button", name="More")).to_have_count(0)
    numbers = rows.evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert len(set(numbers)) == total
    check(page, panel, axe_js, "contact-mirror-all-documents")
    listing.get_by_label("Number or reference").fill("hist-007")
    expect(rows).to_have_count(1)
    assert site.meter.since(mark) == []
    assert unexpected(browser_log.errors) == []


def _paid_in_seed(site, contact_id: str) -> int:
    from tests.contact.support import stored

    return sum(
        1
        for i in stored(site, NZ, "invoice")
        if i["Contact"]["ContactID"] == contact_id and i["Type"] == "ACCREC"
        and i["Status"] == "PAID"
    )  # fmt: skip


def test_choose_documents_page_by_page_from_the_mirror(
    page: Page, site, tenant, axe_js, browser_log
):
    panel = open_panel(page, site.crm_url, "deals/crm-deal-02", user=EDITOR)
    primary = panel.locator(".person-row").first
    primary.locator("details.person-link > summary").click()
    row = primary.locator(".contact-row").first
    contact_id = row.get_attribute("data-xero-contact-id")
    add_rows(
        site,
        *[
            invoice_row(DEMO_WORKSPACE_ID, tenant, contact_id, number=f"OLDD-{n:03d}",
                        status="PAID", due="0", day=date(2016, 1, 1) + timedelta(days=n))
            for n in range(40)
        ],
    )  # fmt: skip
    mark = site.meter.mark()
    row.get_by_role("button", name="Link").click()
    expect(panel.locator(".person-row").first.locator(".link-state-linked")).to_be_visible()

    panel.get_by_text("Choose documents").click()
    choices = panel.locator("#deal-choices .choice-row")
    expect(choices.first).to_be_visible()
    panel.locator("#deal-choices").get_by_label("Show").select_option("all")
    expect(choices).to_have_count(25)
    panel.locator("#deal-choices").get_by_role("button", name="More").click()
    expect(choices).to_have_count(min(50, 40 + _choosable_in_seed(site, contact_id)))
    check(page, panel, axe_js, "deal-mirror-choices")
    panel.locator("#deal-choices").get_by_label("Number or reference").fill("oldd-003")
    expect(choices).to_have_count(1)
    choices.first.get_by_role("button", name="Add to deal").click()
    expect(panel.locator("#deal-summary .picked-row[data-number='OLDD-003']")).to_be_visible()
    expect(choices).to_have_count(1)  # the list keeps its filter after the pick
    expect(choices.first.get_by_role("button", name="Remove from deal")).to_be_visible()
    assert site.meter.since(mark) == []
    assert unexpected(browser_log.errors) == []


def _choosable_in_seed(site, contact_id: str) -> int:
    from tests.contact.support import stored

    invoices = [
        i for i in stored(site, NZ, "invoice")
        if i["Contact"]["ContactID"] == contact_id and i["Type"] == "ACCREC"
        and i["Status"] not in ("VOIDED", "DELETED")
    ]  # fmt: skip
    quotes = [
        q for q in stored(site, NZ, "quote")
        if q["Contact"]["ContactID"] == contact_id and q["Status"] != "DELETED"
    ]  # fmt: skip
    return len(invoices) + len(quotes)
