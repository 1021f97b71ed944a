"""Drafts in a real browser (drafts work, widget/drafts): a rep opens Add quote, Add invoice
(draft) and Add bill from the linked contact panel's menu, types lines (an item filling its line,
a foreign currency, tax inclusive and exclusive), watches the totals, corrects a refused number,
creates each one (a double click on Create included), and the summary reloads with the new quote.
The totals the page showed are what the sandbox stored; the page's arithmetic (static/drafts.js)
agrees with widget/drafts/totals.py on hundreds of random lines."""

import random
from datetime import UTC, date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from bench.contact_panel import XeroMeter
from tests.browser.chromium import screenshot
from tests.conftest import make_test_app, serve
from tests.contact.support import NZ, ContactServer, OffsetClock, open_panel, stored
from widget.auth.launch import sign_launch_token
from widget.drafts.totals import Line, line_total
from widget.xero import LineAmountTypes

pytestmark = pytest.mark.browser

CRM_CONTACT = {"type": "contact", "id": "crm-drafts-1", "name": "Dana Drafts"}


@pytest.fixture(scope="module")
def drafts_site(tmp_path_factory):
    """A server of its own with one workspace connected to the NZ organisation and one CRM
    contact linked to a Xero contact that has no open quotes yet."""
    folder = tmp_path_factory.mktemp("browser-drafts")
    app = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    sandbox = app.extensions["sandbox"]
    app.extensions["contact_clock"] = lambda: sandbox.clock.now().replace(tzinfo=UTC)
    for live in serve(app):
        server = ContactServer(live.url, app, XeroMeter(app.wsgi_app), OffsetClock())
        workspace = server.connected_workspace(NZ)
        quoted = {q["Contact"]["ContactID"] for q in stored(server, NZ, "quote")}
        contact = next(
            c
            for c in stored(server, NZ, "contact")
            if c["ContactStatus"] == "ACTIVE" and c["ContactID"] not in quoted
        )
        linking = open_panel(server, workspace, CRM_CONTACT)
        assert linking.post("/contact/link", {"xero_contact_id": contact["ContactID"]}).ok
        yield server, workspace, contact
    app.extensions["db_engine"].dispose()


def _open(page: Page, server, workspace) -> None:
    user = {"id": "rep-1", "name": "Rep rep-1", "email": "rep-1@crm.test", "admin": False}
    token = sign_launch_token(
        workspace.id, workspace.secret, user=user, record=CRM_CONTACT, panel="contact"
    )
    page.set_viewport_size({"width": 380, "height": 1400})
    page.goto(f"{server.url}/contact?token={token}")
    expect(page.locator("#contact-summary [data-figure='open_quotes']")).to_be_visible()


def _open_quotes(page: Page) -> int:
    return int(page.locator("[data-figure='open_quotes']").get_attribute("data-count"))


def _menu(page: Page, item: str) -> None:
    page.locator(".actions-menu > summary").click()
    page.get_by_role("button", name=item).click()
    expect(page.locator("[data-draft-form]")).to_be_visible()
    expect(page.locator(".actions-menu .menu-items")).to_be_hidden()  # closed behind the choice


def _line(page: Page, index: int):
    return page.locator("[data-draft-form] [data-lines] [data-line]").nth(index)


def _amount(locator) -> Decimal:
    return Decimal(locator.get_attribute("data-amount"))


def _shown(page: Page) -> dict:
    form = page.locator("[data-draft-form]")
    lines = form.locator("[data-lines] [data-line]")
    return {
        "lines": [
            (
                _amount(lines.nth(i).locator("[data-line-amount]")),
                _amount(lines.nth(i).locator("[data-line-tax]")),
            )
            for i in range(lines.count())
        ],
        "sub_total": _amount(form.locator("[data-draft-sub-total]")),
        "total_tax": _amount(form.locator("[data-draft-total-tax]")),
        "total": _amount(form.locator("[data-draft-total]")),
    }


def _created(page: Page, server, kind: str) -> dict:
    created = page.locator("[data-draft-created]")
    expect(created).to_be_visible()
    xero_id = created.get_attribute("data-xero-id")
    store = "quote" if kind == "quote" else "invoice"
    id_field = "QuoteID" if kind == "quote" else "InvoiceID"
    found = [d for d in stored(server, NZ, store) if d[id_field] == xero_id]
    assert len(found) == 1
    return found[0]


def _assert_stored_as_shown(shown: dict, document: dict) -> None:
    assert [(ln["LineAmount"], ln["TaxAmount"]) for ln in document["LineItems"]] == shown["lines"]
    assert (document["SubTotal"], document["TotalTax"], document["Total"]) == (
        shown["sub_total"],
        shown["total_tax"],
        shown["total"],
    )


def test_a_rep_creates_a_quote_an_invoice_and_a_bill_from_the_panel(page, drafts_site, browser_log):
    server, workspace, contact = drafts_site
    _open(page, server, workspace)
    before = _open_quotes(page)

    # a quote: an item fills its line, a second line typed by hand, totals as typed
    _menu(page, "Add quote")
    first = _line(page, 0)
    first.locator("[name=item_code]").select_option("DEV-HR")
    expect(first.locator("[name=description]")).to_have_value("Development (hour)")
    assert Decimal(first.locator("[name=unit_amount]").input_value()) == Decimal(165)
    first.locator("[name=quantity]").fill("2.5")
    page.get_by_role("button", name="Add line").click()
    second = _line(page, 1)
    expect(second.locator("legend")).to_have_text("Line 2")
    second.locator("[name=description]").fill("On-site setup")
    second.locator("[name=quantity]").fill("3")
    second.locator("[name=unit_amount]").fill("19.995")
    # 2.5 × 165 = 412.50 + 15 % 61.875 → 61.88; 3 × 19.995 = 59.985 → 59.99 + 8.9985 → 9.00
    expect(page.locator("[data-draft-total]")).to_have_attribute("data-amount", "543.37")
    shown = _shown(page)
    screenshot(page, "drafts-quote-form")
    page.get_by_role("button", name="Create quote in Xero").click()
    quote = _created(page, server, "quote")
    expect(page.locator("[data-draft-created] .draft-number")).to_have_text(quote["QuoteNumber"])
    link = page.get_by_role("link", name="View in Xero").last
    assert f"/quotes/view/{quote['QuoteID']}" in link.get_attribute("href")
    _assert_stored_as_shown(shown, quote)
    # the summary reloads and counts the new quote
    expect(page.locator("[data-figure='open_quotes']")).to_have_attribute(
        "data-count", str(before + 1)
    )
    screenshot(page, "drafts-quote-created")

    # a draft invoice in US dollars, tax inclusive, with a number the form refuses first
    _menu(page, "Add invoice (draft)")
    page.locator("[data-currency]").select_option("USD")
    page.locator("[data-amount-types]").select_option("Inclusive")
    line = _line(page, 0)
    line.locator("[name=description]").fill("Licences")
    line.locator("[name=quantity]").fill("12,5")
    line.locator("[name=unit_amount]").fill("39.99")
    expect(line.locator("[data-line-amount]")).to_have_text("\u2014")  # not a number yet
    page.get_by_role("button", name="Create draft invoice in Xero").click()
    refused = _line(page, 0).locator("[name=quantity]")
    expect(refused).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#draft-line-0-quantity-error")).to_have_text(
        "Enter a number, like 2 or 12.50."
    )
    expect(refused).to_be_focused()
    # Chromium logs the 422 as a console error, rightly: that one is expected
    assert [e for e in browser_log.errors if "422" not in e] == []
    browser_log.clear()
    expect(_line(page, 0).locator("[name=description]")).to_have_value("Licences")  # kept
    expect(page.locator("[data-currency]")).to_have_value("USD")
    refused.fill("12.5")
    expect(page.locator("[data-draft-total]")).to_have_attribute("data-amount", "499.88")
    shown = _shown(page)
    page.get_by_role("button", name="Create draft invoice in Xero").click()
    invoice = _created(page, server, "invoice")
    assert invoice["CurrencyCode"] == "USD" and invoice["LineAmountTypes"] == "Inclusive"
    _assert_stored_as_shown(shown, invoice)
    assert "/AccountsReceivable/View.aspx" in page.get_by_role(
        "link", name="View in Xero"
    ).last.get_attribute("href").replace("%2F", "/")
    expect(page.locator("[data-figure='open_quotes']")).to_have_attribute(
        "data-count", str(before + 1)
    )

    # a draft bill, removing a line on the way, created with a double click
    _menu(page, "Add bill")
    page.get_by_role("button", name="Add line").click()
    _line(page, 0).locator("[name=description]").fill("Wrong line")
    _line(page, 1).locator("[name=description]").fill("Printer paper")
    _line(page, 1).locator("[name=quantity]").fill("4")
    _line(page, 1).locator("[name=unit_amount]").fill("12.3456")
    _line(page, 0).get_by_role("button", name="Remove line 1").click()
    expect(page.locator("[data-lines] [data-line]")).to_have_count(1)
    expect(_line(page, 0).locator("legend")).to_have_text("Line 1")
    reference = "PAPER-77"
    page.locator("[name=reference]").fill(reference)
    shown = _shown(page)
    page.get_by_role("button", name="Create draft bill in Xero").dblclick()
    bill = _created(page, server, "bill")
    assert bill["Type"] == "ACCPAY" and bill["InvoiceNumber"] == reference
    _assert_stored_as_shown(shown, bill)
    assert (
        len([i for i in stored(server, NZ, "invoice") if i.get("InvoiceNumber") == reference]) == 1
    )
    screenshot(page, "drafts-bill-created")
    page.get_by_role("button", name="Close").click()
    expect(page.locator("#contact-draft")).to_be_empty()
    assert browser_log.errors == []


def test_the_pages_arithmetic_is_the_servers(page, drafts_site, browser_log):
    server, workspace, _contact = drafts_site
    _open(page, server, workspace)
    rng = random.Random("drafts-js")
    cases = []
    for _ in range(400):
        quantity = str(rng.choice([rng.randint(-5, 50), rng.randint(1, 99999) / 10000]))
        price = f"{rng.randint(-99999, 9999999) / 10000:.4f}"
        rate = rng.choice(["0", "15", "12.5", "8.875", "20", "5"])
        kind = rng.choice(["Exclusive", "Inclusive", "NoTax"])
        cases.append((quantity, price, rate, kind))
    results = page.evaluate(
        "cases => cases.map(c => window.draftTotals.line(c[0], c[1], c[2], c[3]))", cases
    )
    for (quantity, price, rate, kind), result in zip(cases, results, strict=True):
        ours = line_total(
            Line(Decimal(quantity), Decimal(price), Decimal(rate)), LineAmountTypes.parse(kind)
        )
        assert (Decimal(result["amount"]), Decimal(result["tax"])) == (
            ours.line_amount,
            ours.tax_amount,
        ), (quantity, price, rate, kind)
    assert browser_log.errors == []


def test_an_admin_sets_the_defaults_and_the_next_form_starts_from_them(
    page, drafts_site, browser_log
):
    server, workspace, contact = drafts_site
    admin = {"id": "boss", "name": "Bea Boss", "email": "bea@crm.test", "admin": True}
    token = sign_launch_token(
        workspace.id, workspace.secret, user=admin, record={"type": "none"}, panel="admin"
    )
    page.set_viewport_size({"width": 380, "height": 1400})
    page.goto(f"{server.url}/admin?token={token}")
    section = page.locator("#draft-defaults")
    expect(section.get_by_label("Sales account (quotes and invoices)")).to_be_visible()
    section.get_by_label("Invoices are due after (days)").fill("9")
    section.get_by_label("Reference template").fill("{record} / {kind}")
    section.get_by_label("Count accepted quotes as open too").check()
    section.get_by_role("button", name="Save defaults").click()
    expect(section.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("#audit-log")).to_contain_text("changed draft defaults: invoice due days")
    screenshot(page, "drafts-admin-defaults")
    section.get_by_label("Quotes expire after (days)").fill("400")
    section.get_by_role("button", name="Save defaults").click()
    expect(section.get_by_label("Quotes expire after (days)")).to_have_attribute(
        "aria-invalid", "true"
    )
    browser_log.clear()  # the 422 of the refused save is logged by Chromium, rightly

    _open(page, server, workspace)
    _menu(page, "Add invoice (draft)")
    expect(page.locator("[name=reference]")).to_have_value(f"{CRM_CONTACT['name']} / invoice")
    issued = page.locator("[name=date]").input_value()
    due = page.locator("[name=due_date]").input_value()
    assert (date.fromisoformat(due) - date.fromisoformat(issued)).days == 9
    assert browser_log.errors == []
