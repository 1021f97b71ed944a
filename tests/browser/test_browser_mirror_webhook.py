"""A payment recorded in Xero reaches a rep's panel by webhook: the sandbox sends its signed event
to /webhooks/xero, the follow-up job fetches the invoice into the mirror, and the next time the
rep opens the panel (a fresh launch, no Refresh pressed) the invoice has left the outstanding
figures, in real Chromium inside the demo CRM."""

import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import screenshot
from tests.browser.demo_crm import open_panel
from tests.browser.test_browser_contact_panel import EDITOR, NZ, connected_site, person, xero_person
from tests.contact.support import stored
from widget.auth.workspaces import DEMO_WORKSPACE_ID
from widget.demo.records import directory
from widget.mirror.models import MirrorInvoice
from widget.mirror.service import mirror_status
from widget.sandbox import actions

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from connected_site(
        tmp_path_factory.mktemp("mirror-webhook"),
        MIRROR_START_ON_CONNECT=True,
        MIRROR_SYNC_CALLS_PER_MINUTE=100_000,
    )


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds:g} s"
        time.sleep(0.2)


def _mirror_ready(site) -> bool:
    with site.app.app_context():
        return mirror_status(DEMO_WORKSPACE_ID, site.org().tenant_id).ready


def _mirrored_status(site, invoice_id: str) -> str | None:
    with site.app.app_context():
        sessions = site.app.extensions["db_sessionmaker"]
        with sessions() as session:
            row = session.get(MirrorInvoice, (DEMO_WORKSPACE_ID, site.org().tenant_id, invoice_id))
            return row.status if row else None


def _unpaid_sales_invoices(site, contact_id: str) -> list[dict]:
    return [
        i
        for i in stored(site, NZ, "invoice")
        if i["Contact"]["ContactID"] == contact_id
        and i["Type"] == "ACCREC"
        and i["Status"] == "AUTHORISED"
        and i["AmountDue"] > 0
    ]


def _a_rep_who_owes(site) -> tuple[str, str, list[dict]]:
    """A demo CRM person whose Xero contact has unpaid sales invoices (none part-paid)."""
    for crm_person in directory().people:
        expected = xero_person(crm_person.id)
        contact_id = expected.xero_contact_id if expected else None
        unpaid = _unpaid_sales_invoices(site, contact_id) if contact_id else []
        if unpaid and all(i["AmountPaid"] == 0 for i in unpaid):
            return crm_person.id, contact_id, unpaid
    raise AssertionError("no demo person owes an invoice")


def _outstanding(frame):
    return frame.locator("#contact-summary [data-figure='outstanding_invoices']")


def test_a_payment_in_xero_shows_on_the_next_open_without_refresh(page: Page, site, browser_log):
    _wait(lambda: _mirror_ready(site), "the first sync")
    rep, contact_id, unpaid = _a_rep_who_owes(site)
    site.link(person(rep).id, contact_id)

    panel = open_panel(page, site.crm_url, f"people/{rep}", user=EDITOR)
    expect(_outstanding(panel)).to_have_attribute("data-count", str(len(unpaid)))
    before = Decimal(_outstanding(panel).get_attribute("data-total"))
    screenshot(page, "mirror-webhook-before")

    paid = unpaid[0]
    site.sandbox.webhooks.switch(on=True)
    try:
        site.sandbox.clock.advance(seconds=2)
        actions.pay(site.sandbox, site.org().tenant_id, paid["InvoiceID"])
        _wait(lambda: _mirrored_status(site, paid["InvoiceID"]) == "PAID", "the webhook's fetch")
    finally:
        site.sandbox.webhooks.switch(on=False)
        site.sandbox.webhooks.clear_switches()

    reopened = open_panel(page, site.crm_url, f"people/{rep}", user=EDITOR)
    expect(_outstanding(reopened)).to_have_attribute("data-count", str(len(unpaid) - 1))
    after = Decimal(_outstanding(reopened).get_attribute("data-total"))
    assert after == before - paid["AmountDue"]
    screenshot(page, "mirror-webhook-after")
    assert browser_log.errors == []
