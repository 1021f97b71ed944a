"""The company and deal panels in real Chromium, inside the demo CRM's cross-site iframe (strict
CSP, htmx 4, third-party cookies blocked): an admin links a company to the Xero contact
suggested for it and sees its figures; links a deal's primary contact in place, opens Choose
documents and adds the suggested quote and invoice to the deal, which stay there on reload."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import panel_screenshot
from tests.browser.conftest import crm_url_of, fresh_server
from tests.browser.demo_crm import open_panel
from tests.connection.support import Workspace, connect_organisation
from widget.auth.workspaces import DEMO_WORKSPACE_ID, current_secret, ensure_demo_workspace
from widget.db import get_session

pytestmark = pytest.mark.browser
ORG = "Demo Company (NZ)"


@pytest.fixture(scope="module")
def connected_crm_url(tmp_path_factory):
    """A server of its own whose demo workspace is connected to the NZ organisation."""
    for server in fresh_server(tmp_path_factory.mktemp("company-deal-browser")):
        crm_url = crm_url_of(server)
        app = server.app
        with app.app_context():
            session = get_session()
            ensure_demo_workspace(session, [crm_url.rsplit("/demo-crm/", 1)[0]])
            secret = current_secret(session, DEMO_WORKSPACE_ID)
        tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id
        connect_organisation(
            SimpleNamespace(url=server.url, app=app),
            Workspace(DEMO_WORKSPACE_ID, secret),
            tenant_id,
        )
        yield crm_url


def test_linking_a_company_to_its_suggested_xero_contact(page, connected_crm_url, browser_log):
    panel = open_panel(page, connected_crm_url, "companies/crm-company-03")
    expect(panel.get_by_role("heading", name="Not linked to a Xero contact yet")).to_be_visible()
    suggestion = panel.locator("#company-suggestions .contact-row").first
    expect(suggestion.locator(".badge-reason")).to_have_text("Same name")
    name = suggestion.locator(".contact-name").inner_text()
    suggestion.get_by_role("button", name="Link").click()

    expect(panel.locator(".own-link [data-state='linked']")).to_be_visible()
    expect(panel.locator("#own-link-heading")).to_have_text(name)
    expect(panel.locator("#company-summary [data-figure='open_quotes']")).to_be_visible()
    expect(panel.locator("#company-summary")).to_contain_text("Covers 1 Xero contact")
    panel.get_by_text("View details").click()
    expect(panel.locator("#company-details .document-contact").first).to_have_text(name)
    panel_screenshot(page, "company-linked")

    # linked it stays: a new launch of the panel shows it at once
    again = open_panel(page, connected_crm_url, "companies/crm-company-03")
    expect(again.locator("#own-link-heading")).to_have_text(name)
    assert browser_log.errors == []


def test_picking_a_deals_documents(page, connected_crm_url, browser_log):
    panel = open_panel(page, connected_crm_url, "deals/crm-deal-02")
    expect(panel.get_by_text("Link the deal's people to Xero contacts")).to_be_visible()

    primary = panel.locator(".person-row").first
    expect(primary.locator(".badge-primary")).to_be_visible()
    primary.locator("details.person-link > summary").click()
    row = primary.locator(".contact-row").first
    expect(row.locator(".badge-reason")).to_have_text("Same email domain")
    row.get_by_role("button", name="Link").click()
    expect(panel.locator(".person-row").first.locator(".link-state-linked")).to_be_visible()

    panel.get_by_text("Choose documents").click()
    suggested = panel.locator("#deal-choices .choice-row[data-suggested='true']")
    expect(suggested.first).to_be_visible()
    numbers = []
    for kind in ("quote", "invoice"):
        choice = suggested.and_(panel.locator(f"[data-document-type='{kind}']")).first
        numbers.append(choice.get_attribute("data-number"))
        choice.get_by_role("button", name="Add to deal").click()
        expect(choice.get_by_role("button", name="Remove from deal")).to_be_visible()
        expect(choice.get_by_role("button", name="Remove from deal")).to_be_focused()
    picked = panel.locator("#deal-summary .picked-row")
    expect(picked).to_have_count(2)
    expect(panel.locator("#deal-summary [data-figure='open_quotes']")).to_have_attribute(
        "data-count", "1"
    )
    panel_screenshot(page, "deal-picked")

    again = open_panel(page, connected_crm_url, "deals/crm-deal-02")
    expect(again.locator("#deal-summary .picked-row")).to_have_count(2)
    for number in numbers:
        expect(again.locator(f"#deal-summary .picked-row[data-number='{number}']")).to_be_visible()
    assert browser_log.errors == []


def test_creating_a_quote_from_a_deal_adds_it_to_the_deal(page, connected_crm_url, browser_log):
    panel = open_panel(page, connected_crm_url, "deals/crm-deal-03")
    primary = panel.locator(".person-row").first
    primary.locator("details.person-link > summary").click()
    primary.locator(".contact-row").first.get_by_role("button", name="Link").click()
    expect(panel.locator(".person-row").first.locator(".link-state-linked")).to_be_visible()
    expect(panel.locator("#deal-summary [data-figure='open_quotes']")).to_be_visible()
    before = int(
        panel.locator("#deal-summary [data-figure='open_quotes']").get_attribute("data-count")
    )

    panel.get_by_role("button", name="Add quote").click()
    form = panel.locator("#deal-draft [data-draft-form]")
    expect(form.locator("[name=reference]")).to_have_value("Fleet expansion")
    line = form.locator("[data-lines] [data-line]").first
    line.locator("[name=description]").fill("Fleet telematics, 12 vans")
    line.locator("[name=unit_amount]").fill("480")
    panel.get_by_role("button", name="Create quote in Xero").click()

    created = panel.locator("#deal-draft [data-draft-created]")
    expect(created).to_be_visible()
    number = created.locator(".draft-number").inner_text()
    expect(panel.locator(f"#deal-summary .picked-row[data-number='{number}']")).to_be_visible()
    expect(panel.locator("#deal-summary [data-figure='open_quotes']")).to_have_attribute(
        "data-count", str(before + 1)
    )
    panel_screenshot(page, "deal-quote-created")
    assert browser_log.errors == []
