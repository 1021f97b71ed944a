"""A deal's documents that Xero voids or deletes drop out of the figures with a note (not an
error); the deal panel's access rules, quick view and Xero failures."""

from decimal import Decimal

from tests.company.expected import figures_for, org_today
from tests.company.support import (
    NZ,
    deal_record,
    link_directly,
    open_group_panel,
    person,
    set_status,
    stored,
)
from tests.contact.support import Figures
from tests.deal.support import contacts_with_open_invoices, rows


def _picked_deal(server, workspace, xero_id, *, invoices=1, quotes=1):
    """A deal whose primary contact is linked to `xero_id`, with open documents of theirs picked."""
    primary = person(name="Pat Primary")
    record = deal_record([primary], primary, name="Voidable Deal")
    link_directly(server, workspace, {primary["id"]: xero_id})
    panel = open_group_panel(server, workspace, record)
    choices = rows(panel.get("/deal/choices").text)
    chosen = [r for r in choices if r["suggested"] and r["type"] == "invoice"][:invoices]
    chosen += [r for r in choices if r["suggested"] and r["type"] == "quote"][:quotes]
    for row in chosen:
        data = {"document_type": row["type"], "document_id": row["id"]}
        assert panel.post("/deal/documents/add", data).status_code == 200
    return record, panel, chosen


def test_voided_and_deleted_documents_drop_out_with_a_note(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    xero_id = next(
        x
        for x in contacts_with_open_invoices(server)[6:]
        if sum(
            1
            for i in stored(server, NZ, "invoice")
            if i["Contact"]["ContactID"] == x
            and i["Type"] == "ACCREC"
            and i["Status"] == "AUTHORISED"
            and Decimal(str(i["AmountDue"])) > 0
        )
        >= 2
    )
    _record, panel, chosen = _picked_deal(server, workspace, xero_id, invoices=2, quotes=1)
    before = Figures(panel.get("/deal/summary").text).figures
    assert before["outstanding_invoices"]["count"] == 2 and before["open_quotes"]["count"] == 1

    voided, kept, deleted = chosen
    set_status(server, NZ, "invoice", voided["id"], "VOIDED")
    set_status(server, NZ, "quote", deleted["id"], "DELETED")
    after = panel.get("/deal/summary", refresh="1")
    assert after.status_code == 200 and "Error fetching details" not in after.text
    figures = Figures(after.text).figures
    expected = figures_for(
        server, NZ, {xero_id}, org_today(server, NZ), invoice_ids=[kept["id"]], quote_ids=[]
    )
    assert figures == {name: expected[name] for name in figures}
    assert f"{voided['number']} was voided in Xero: it no longer counts." in after.text
    assert f"{deleted['number']} was deleted in Xero: it no longer counts." in after.text
    # they stay listed (marked) so the rep sees what happened, and can remove them
    assert [r["id"] for r in rows(after.text)] == [r["id"] for r in chosen]
    assert after.text.count("No longer counts") == 2
    choices = rows(panel.get("/deal/choices").text)
    assert voided["id"] not in {r["id"] for r in choices}  # nothing to pick any more
    removed = panel.post(
        "/deal/documents/remove", {"document_type": "invoice", "document_id": voided["id"]}
    )
    assert "was voided" not in removed.text


def test_members_see_the_deal_but_only_editors_choose_documents(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    xero_id = contacts_with_open_invoices(server)[12]
    record, _panel, chosen = _picked_deal(server, workspace, xero_id)

    nobody = open_group_panel(server, workspace, record, user_id="d-none", access=None, expect=403)
    assert nobody.get("/deal/summary").status_code == 403

    viewer = open_group_panel(server, workspace, record, user_id="d-view", access="view")
    summary = viewer.get("/deal/summary")
    assert summary.status_code == 200 and len(rows(summary.text)) == len(chosen)
    assert "Choose documents" not in viewer.page.text and ">Remove<" not in summary.text
    assert viewer.get("/deal/choices").status_code == 403
    data = {"document_type": chosen[0]["type"], "document_id": chosen[0]["id"]}
    assert viewer.post("/deal/documents/remove", data).status_code == 403
    assert viewer.post("/deal/documents/add", data).status_code == 403


def test_the_quick_view_shows_the_deals_figures(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    record, panel, chosen = _picked_deal(server, workspace, contacts_with_open_invoices(server)[13])
    quick = open_group_panel(server, workspace, record, user_id="d-quick", path="/deal/quick")
    assert 'data-view="quick"' in quick.page.text
    assert f'data-picked="{len(chosen)}"' in quick.page.text  # warm: rendered at once
    fragment = quick.get("/deal/summary", view="quick")
    assert Figures(fragment.text).figures == Figures(panel.get("/deal/summary").text).figures
    assert "Choose documents" not in quick.page.text


def test_xero_down_says_so_with_retry_and_keeps_the_last_known_figures(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    record, panel, _chosen = _picked_deal(
        server, workspace, contacts_with_open_invoices(server)[14]
    )
    known = panel.get("/deal/summary")
    server.cache_clock.advance(3 * 60 * 60)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        stale = panel.get("/deal/summary")
    finally:
        server.release(NZ)
    assert stale.status_code == 200 and 'data-stale="true"' in stale.text
    assert "last known figures, from 3 hours ago" in stale.text and ">Retry<" in stale.text
    assert Figures(stale.text).figures == Figures(known.text).figures

    other = person()
    fresh_record = deal_record([other], other, name="Never Seen")
    link_directly(server, workspace, {other["id"]: contacts_with_open_invoices(server)[15]})
    never = open_group_panel(server, workspace, fresh_record, user_id="d-never")
    server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        failed = never.get("/deal/summary")
        data = {"document_type": "invoice", "document_id": "44444444-4444-4444-8444-444444444444"}
        not_now = never.post("/deal/documents/add", data)
    finally:
        server.release(NZ)
    assert not_now.status_code == 503 and not_now.headers["HX-Retarget"] == "#deal-notice"
    assert failed.status_code == 503
    assert "Error fetching details" in failed.text and 'hx-get="/deal/summary"' in failed.text


def test_a_deal_without_linked_people_says_what_to_do(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    loner = person()
    panel = open_group_panel(server, workspace, deal_record([loner], loner))
    assert "Link the deal's people to Xero contacts" in panel.page.text
    assert 'data-state="no-documents"' in panel.page.text
    assert "/deal/people/choices" in panel.page.text  # and lets the editor link them here
