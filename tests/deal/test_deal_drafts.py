"""Add quote / Add invoice from the deal panel: the drafts' own forms, for the primary contact's
Xero contact, with the deal's name as reference; what is created joins the deal (audited, once,
whatever the number of presses) and its figures."""

from sqlalchemy import select

from tests.company.support import NZ, deal_record, link_directly, open_group_panel, person
from tests.contact.support import Figures
from tests.deal.support import contacts_with_open_invoices, rows
from tests.drafts.support import DraftPost, created_id, document
from widget.auth.models import AuditEntry
from widget.db import get_session


def _form(panel, kind: str) -> DraftPost:
    page = panel.get(f"/deal/drafts/{kind}/new")
    assert page.status_code == 200, page.text[:1000]
    return DraftPost.read(kind, page.text), page.text


def _send(panel, post: DraftPost):
    return panel.browser.post(
        f"{panel.server.url}/deal/drafts/{post.kind}", data=post.data(), timeout=30
    )


def test_a_quote_and_an_invoice_created_from_the_deal_join_it(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    primary_xero, other_xero = contacts_with_open_invoices(server)[16:18]
    other, primary = person(name="Oda Other"), person(name="Pru Primary")
    record = deal_record([other, primary], primary, name="Harbour bridge lighting")
    link_directly(server, workspace, {primary["id"]: primary_xero, other["id"]: other_xero})
    panel = open_group_panel(server, workspace, record)
    assert "Add quote" in panel.page.text and "/deal/drafts/invoice/new" in panel.page.text
    before = Figures(panel.get("/deal/summary").text).figures

    created = {}
    for kind in ("quote", "invoice"):
        post, html = _form(panel, kind)
        assert post.header["reference"] == "Harbour bridge lighting"
        assert post.header["contact_id"] == primary_xero  # the primary contact's Xero contact
        assert 'hx-post="/deal/drafts/' in html and 'hx-target="#deal-draft"' in html
        post.with_lines({"description": f"Lighting design ({kind})", "unit_amount": "1200"})
        answer = _send(panel, post)
        assert answer.status_code == 200, answer.text[:1500]
        assert (
            'hx-get="/deal/summary"' in answer.text and 'hx-target="#deal-summary"' in answer.text
        )
        created[kind] = created_id(answer.text)
        again = _send(panel, post)  # a second press: the same document, the same pick
        assert created_id(again.text) == created[kind]

    stored_quote = document(server, NZ, "quote", created["quote"])
    assert stored_quote["Reference"] == "Harbour bridge lighting"
    assert stored_quote["Contact"]["ContactID"] == primary_xero
    summary = panel.get("/deal/summary")
    picked = {(r["type"], r["id"]) for r in rows(summary.text)}
    assert picked == {("quote", created["quote"]), ("invoice", created["invoice"])}
    figures = Figures(summary.text).figures
    assert figures["open_quotes"]["count"] == before["open_quotes"]["count"] + 1
    with server.app.app_context():
        added = (
            get_session()
            .scalars(
                select(AuditEntry).where(
                    AuditEntry.workspace_id == workspace.id,
                    AuditEntry.action == "deal.document.add",
                )
            )
            .all()
        )
    assert sorted(e.subject for e in added) == sorted(created.values())
    assert {e.details["source"] for e in added} == {"created"}


def test_view_only_members_cannot_create_from_the_deal_and_bills_are_not_offered(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    primary = person()
    record = deal_record([primary], primary)
    link_directly(server, workspace, {primary["id"]: contacts_with_open_invoices(server)[0]})
    viewer = open_group_panel(server, workspace, record, user_id="dv", access="view")
    assert "Add quote" not in viewer.page.text
    assert viewer.get("/deal/drafts/quote/new").status_code == 403
    assert viewer.post("/deal/drafts/quote", {}).status_code == 403
    editor = open_group_panel(server, workspace, record, user_id="de")
    assert editor.get("/deal/drafts/bill/new").status_code == 404
