"""Creating quotes, draft invoices and draft bills from the contact panel over HTTP, with the
sandbox as Xero, in both demo organisations and in foreign currencies: what Xero stores is what
the form said (lines, dates, currency, totals by widget/drafts/totals.py), the rep sees the number
with the right View in Xero link, the audit log says who created what for how much, the summary
is fetched again (a quote joins the open quotes), and only editors get the forms."""

import html
import re
import secrets
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.connection.support import new_workspace
from tests.contact.support import NZ, UK, Figures, ms_day, open_panel, person_record
from tests.drafts.support import (
    DraftPost,
    created_id,
    document,
    linked,
    new_form,
    send,
    with_reference,
)
from widget.auth.models import AuditEntry
from widget.cache import CacheScope
from widget.drafts.service import REFERENCE_KEY
from widget.drafts.totals import Line, document_totals
from widget.timezones import today_in
from widget.xero import LineAmountTypes

GO = "https://go.xero.com"
#: organisation, kind, currency, amounts: each kind in both organisations, foreign ones in NZ
CASES = [
    (NZ, "quote", "NZD", "Exclusive"),
    (NZ, "invoice", "USD", "Inclusive"),
    (NZ, "bill", "AUD", "NoTax"),
    (UK, "quote", "GBP", "Inclusive"),
    (UK, "invoice", "GBP", "Exclusive"),
    (UK, "bill", "GBP", "Exclusive"),
    (NZ, "quote", "GBP", "Inclusive"),
]
PATHS = {
    "quote": "/quotes/view/",
    "invoice": "/AccountsReceivable/View.aspx",
    "bill": "/AccountsPayable/Edit.aspx",
}


def _audit_entry(server, workspace_id: str, xero_id: str) -> AuditEntry:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(AuditEntry).where(
                AuditEntry.workspace_id == workspace_id,
                AuditEntry.action == "draft.create",
                AuditEntry.subject == xero_id,
            )
        ).one()


def _lines(post: DraftPost) -> list[dict]:
    item = post.options["item_code"][1]  # the first real item: it fills its line in Xero
    return [
        {"description": "Design workshop", "quantity": "2", "unit_amount": "437.50"},
        {"item_code": item, "description": "", "quantity": "3", "unit_amount": ""},
        {"description": "Travel", "quantity": "1.5", "unit_amount": "99.9999"},
    ]


@pytest.mark.parametrize(("org", "kind", "currency", "amounts"), CASES)
def test_a_draft_is_created_in_xero_as_the_form_says(server, nz, uk, org, kind, currency, amounts):
    workspace = nz if org == NZ else uk
    panel, contact = linked(server, workspace, org, index=len(kind) + len(currency))
    post = new_form(panel, kind)
    assert post.header["currency_code"] == server.org(org).base_currency  # base by default
    reference = f"{kind}-{secrets.token_hex(4)}"
    post.set(reference=reference, currency_code=currency, line_amount_types=amounts)
    post.with_lines(*_lines(post))
    answer = send(panel, post)
    assert answer.status_code == 200, answer.text[:1500]
    xero_id = created_id(answer.text)
    stored = document(server, org, "quote" if kind == "quote" else "invoice", xero_id)

    # what Xero stored is what the form said
    assert stored["Status"] == "DRAFT" and stored["Contact"]["ContactID"] == contact["ContactID"]
    assert stored["CurrencyCode"] == currency
    assert stored["LineAmountTypes"].lower() == amounts.lower()
    today = date.fromisoformat(post.header["date"])
    assert ms_day(stored["Date"]) == today
    if kind == "quote":
        assert stored["Reference"] == reference
        assert ms_day(stored["ExpiryDate"]) == today + timedelta(days=30)
    else:
        assert stored["Type"] == ("ACCPAY" if kind == "bill" else "ACCREC")
        assert ms_day(stored["DueDate"]) == today + timedelta(days=30 if kind == "bill" else 14)
        # a bill's reference is its InvoiceNumber (Xero shows it as the bill's reference)
        assert stored["InvoiceNumber" if kind == "bill" else "Reference"] == reference
    item_line = stored["LineItems"][1]
    assert item_line["ItemCode"] == post.options["item_code"][1] and item_line["Description"]
    assert [line["Quantity"] for line in stored["LineItems"]] == [2, 3, Decimal("1.5")]
    assert stored["LineItems"][2]["UnitAmount"] == Decimal("99.9999")

    # our arithmetic (what the form showed) is Xero's
    found = re.findall(r'value="(\w+)" data-rate="([\d.]+)"', _form(panel, kind))
    rates = {tax_type: Decimal(rate) for tax_type, rate in found}
    lines = [
        Line(Decimal(str(ln["Quantity"])), Decimal(str(ln["UnitAmount"])), rates[ln["TaxType"]])
        for ln in stored["LineItems"]
    ]
    ours = document_totals(lines, LineAmountTypes.parse(amounts))
    assert (stored["SubTotal"], stored["TotalTax"], stored["Total"]) == (
        ours.sub_total,
        ours.total_tax,
        ours.total,
    )

    # the rep sees the number (quotes and invoices) and the right deep link
    number = stored.get("QuoteNumber") or stored.get("InvoiceNumber")
    if kind != "bill":
        assert f'<span class="draft-number">{number}</span>' in answer.text
    link = html.unescape(re.search(r'<a href="([^"]+)"[^>]*>View in Xero', answer.text).group(1))
    assert link.startswith(GO) and xero_id in link and PATHS[kind] in link.replace("%2F", "/")
    assert f'data-amount="{stored["Total"]}"' in answer.text

    # who, what, Xero id, amount
    entry = _audit_entry(server, workspace.id, xero_id)
    assert entry.actor == "Rep rep-1"
    assert entry.details["kind"] == kind and Decimal(entry.details["amount"]) == stored["Total"]
    assert entry.details["currency"] == currency
    assert entry.details["xero_contact_id"] == contact["ContactID"]


def _form(panel, kind: str) -> str:
    return panel.get(f"/drafts/{kind}/new").text


def test_a_new_quote_joins_the_open_quotes_and_every_draft_refreshes_the_summary(server, nz):
    panel, _contact = linked(server, nz, NZ, index=40)
    before = Figures(panel.get("/contact/summary").text).figures
    warm = server.meter.mark()
    panel.get("/contact/summary")
    assert server.meter.since(warm) == []  # cached: no call
    for kind in ("quote", "invoice", "bill"):
        post = new_form(panel, kind).with_lines(
            {"description": f"Refresh {kind}", "quantity": "1", "unit_amount": "100"}
        )
        answer = send(panel, post)
        assert answer.status_code == 200, answer.text[:800]
        # the answer tells the panel to reload the summary (htmx partial for #contact-summary)
        assert '<hx-partial hx-target="#contact-summary"' in answer.text
        mark = server.meter.mark()
        after = Figures(panel.get("/contact/summary").text).figures
        fetched = {c.path.rsplit("/", 1)[-1] for c in server.meter.since(mark)}
        assert fetched == {"Invoices", "Quotes"}, kind  # fetched again, not from the cache
        quotes = after["open_quotes"]
        assert quotes["count"] == before["open_quotes"]["count"] + 1
        assert quotes["total"] == before["open_quotes"]["total"] + Decimal("115.00")  # GST on top
        # a draft invoice or bill is not owed yet (the figures count AUTHORISED ones)
        for figure in ("outstanding_invoices", "outstanding_bills"):
            assert after[figure] == before[figure], (kind, figure)


def test_the_form_starts_from_the_organisations_day_and_base_currency(server, nz):
    panel, contact = linked(server, nz, NZ, index=41)
    post = new_form(panel, "invoice")
    now = server.sandbox.clock.now().replace(tzinfo=UTC)
    assert post.header["date"] == today_in("NEWZEALANDSTANDARDTIME", now).isoformat()
    assert post.header["contact_id"] == contact["ContactID"]
    assert post.lines[0]["account_code"] == "200" and post.lines[0]["tax_type"] == "OUTPUT2"
    assert post.options["account_code"] == ["", "200", "205", "260", "270"]  # active sales only
    assert "INPUT2" not in post.options["tax_type"]
    bill = new_form(panel, "bill")
    assert bill.lines[0]["account_code"] == "300" and bill.lines[0]["tax_type"] == "INPUT2"
    assert "200" not in bill.options["account_code"] and "495" not in bill.options["account_code"]
    assert "OUTPUT2" not in bill.options["tax_type"]


def test_only_editors_get_the_forms(server, nz):
    _panel, contact = linked(server, nz, NZ, index=42)
    record = person_record(name="Viewer's contact")
    editor = open_panel(server, nz, record, user_id="drafts-editor", access="edit")
    editor.post("/contact/link", {"xero_contact_id": contact["ContactID"]})
    viewer = open_panel(server, nz, record, user_id="drafts-viewer", access="view")
    assert viewer.get("/drafts/quote/new").status_code == 403
    post = new_form(editor, "quote").with_lines({"description": "x", "unit_amount": "1"})
    refused = send(viewer, post)
    assert refused.status_code == 403 and "draft-created" not in refused.text
    assert ">Add quote<" not in viewer.get("/contact/summary").text
    nobody = open_panel(server, nz, record, user_id="drafts-nobody", access=None, expect=403)
    assert nobody.get("/drafts/bill/new").status_code in (401, 403)
    assert send(editor, post).status_code == 200  # the editor's own form works


def test_an_unlinked_or_unconnected_panel_says_why_instead_of_a_form(server, nz):
    unlinked = open_panel(server, nz, person_record(name="Not linked"))
    answer = unlinked.get("/drafts/invoice/new")
    assert answer.status_code == 409 and "Link this contact to a Xero contact first." in answer.text
    lonely = new_workspace(server.app)
    panel = open_panel(server, lonely, person_record(name="No Xero"), admin=True)
    answer = panel.get("/drafts/quote/new")
    assert answer.status_code == 409 and "Xero is not connected" in answer.text


def test_a_form_for_a_contact_no_longer_linked_is_not_sent(server, nz):
    panel, _contact = linked(server, nz, NZ, index=43)
    post = new_form(panel, "invoice").with_lines({"description": "x", "unit_amount": "1"})
    other = linked(server, nz, NZ, index=44)[1]
    panel.post("/contact/link", {"xero_contact_id": other["ContactID"]})  # relinked meanwhile
    mark = server.meter.mark()
    answer = send(panel, post)
    assert answer.status_code == 409 and "now linked to another Xero contact" in answer.text
    assert [c for c in server.meter.since(mark) if c.method == "PUT"] == []


def test_a_press_that_cannot_be_sent_says_why_inside_the_form_which_stays_as_typed(server, nz):
    panel, _contact = linked(server, nz, NZ, index=45)
    post = new_form(panel, "quote").with_lines({"description": "Kept", "unit_amount": "5"})
    post.set(reference=f"unsent-{secrets.token_hex(4)}")
    # Xero down and our copy of its accounts gone (e.g. another worker): nothing to check against
    scope = CacheScope(nz.id, server.org(NZ).tenant_id)
    server.app.extensions["contact_cache"].invalidate(scope, REFERENCE_KEY, keep_stale=False)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    answer = send(panel, post)
    assert answer.status_code == 503 and "Xero could not be reached" in answer.text
    assert answer.headers["HX-Retarget"] == "#draft-notice"  # the typed form is not replaced
    assert answer.headers["HX-Reswap"] == "innerHTML"
    server.sandbox.faults.clear(NZ)
    panel.post("/contact/unlink")
    answer = send(panel, post)
    assert answer.status_code == 409 and answer.headers["HX-Retarget"] == "#draft-notice"
    assert "Link this contact to a Xero contact first." in answer.text
    assert with_reference(server, NZ, "quote", post.header["reference"]) == []
