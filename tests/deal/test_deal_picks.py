"""The deal panel over HTTP with the sandbox: Choose documents lists the linked people's quotes
and invoices (the primary contact's open ones first); picks are checked, audited, kept across
restarts (SQLite and PostgreSQL) and after an unlink; the figures cover the picks, matching
arithmetic done here from the sandbox's stored documents; picking costs no Xero call."""

from sqlalchemy import select

from tests.company.expected import figures_for, org_today
from tests.company.support import (
    NZ,
    open_group_panel,
    paths,
    stored,
)
from tests.conftest import make_test_app
from tests.contact.support import Figures
from tests.deal.support import contacts_with_open_invoices, deal_with_two_linked, open_invoice, rows
from widget.auth.models import AuditEntry
from widget.auth.workspaces import create_workspace
from widget.db import get_session
from widget.deal import picks


def test_choose_documents_lists_the_linked_contacts_quotes_and_invoices_primary_open_first(
    group_server,
):
    server = group_server
    workspace = server.connected_workspace(NZ)
    x1, x2 = contacts_with_open_invoices(server)[:2]
    record, _primary, _other = deal_with_two_linked(server, workspace, x1, x2)
    panel = open_group_panel(server, workspace, record)
    assert "Choose documents" in panel.page.text

    choices = rows(panel.get("/deal/choices").text)
    expected = {
        ("invoice", i["InvoiceID"])
        for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] in (x1, x2)
        and i["Type"] == "ACCREC"
        and i["Status"] not in ("VOIDED", "DELETED")
    } | {
        ("quote", q["QuoteID"])
        for q in stored(server, NZ, "quote")
        if q["Contact"]["ContactID"] in (x1, x2) and q["Status"] != "DELETED"
    }
    assert {(r["type"], r["id"]) for r in choices} == expected
    suggested = [r for r in choices if r["suggested"]]
    assert suggested and choices[: len(suggested)] == suggested  # the suggested ones lead
    primary_open = {
        ("invoice", i["InvoiceID"])
        for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] == x1 and i["Type"] == "ACCREC" and open_invoice(i)
    } | {
        ("quote", q["QuoteID"])
        for q in stored(server, NZ, "quote")
        if q["Contact"]["ContactID"] == x1 and q["Status"] in ("DRAFT", "SENT")
    }
    assert {(r["type"], r["id"]) for r in suggested} == primary_open


def test_picks_are_checked_audited_cost_no_call_and_make_the_figures(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    x1, x2 = contacts_with_open_invoices(server)[2:4]
    record, _primary, other = deal_with_two_linked(server, workspace, x1, x2)
    panel = open_group_panel(server, workspace, record)
    choices = rows(panel.get("/deal/choices").text)
    chosen = [
        next(r for r in choices if r["suggested"] and r["type"] == t) for t in ("invoice", "quote")
    ]
    chosen.append(next(r for r in choices if not r["suggested"] and r["type"] == "invoice"))

    mark = meter.mark()
    for row in chosen:
        answer = panel.post(
            "/deal/documents/add", {"document_type": row["type"], "document_id": row["id"]}
        )
        assert answer.status_code == 200 and answer.headers["HX-Retarget"] == "#deal-summary"
        assert 'id="deal-choices" class="deal-choices" hx-swap-oob="true"' in answer.text
    assert meter.since(mark) == []  # the same cached fetch answers the picks
    again = panel.post(
        "/deal/documents/add", {"document_type": "invoice", "document_id": chosen[0]["id"]}
    )
    assert again.status_code == 200  # picking twice keeps one

    summary = panel.get("/deal/summary")
    picked = rows(summary.text)
    assert [(r["type"], r["id"]) for r in picked] == [(r["type"], r["id"]) for r in chosen]
    expected = figures_for(
        server, NZ, {x1, x2}, org_today(server, NZ),
        invoice_ids=[r["id"] for r in chosen if r["type"] == "invoice"],
        quote_ids=[r["id"] for r in chosen if r["type"] == "quote"],
    )  # fmt: skip
    shown = Figures(summary.text).figures
    assert set(shown) == {"open_quotes", "overdue_invoices", "outstanding_invoices"}
    assert shown == {name: expected[name] for name in shown}
    assert shown["open_quotes"]["count"] == 1 and shown["outstanding_invoices"]["count"] >= 1

    # a document that is not the linked contacts' cannot be picked
    foreign = next(
        i["InvoiceID"] for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] not in (x1, x2) and i["Type"] == "ACCREC"
    )  # fmt: skip
    refused = panel.post(
        "/deal/documents/add", {"document_type": "invoice", "document_id": foreign}
    )
    assert refused.status_code == 404 and refused.headers["HX-Retarget"] == "#deal-notice"
    assert (
        panel.post(
            "/deal/documents/add", {"document_type": "bill", "document_id": foreign}
        ).status_code
        == 400
    )

    removed = panel.post(
        "/deal/documents/remove", {"document_type": "quote", "document_id": chosen[1]["id"]}
    )
    assert removed.status_code == 200
    assert Figures(removed.text).figures["open_quotes"]["count"] == 0

    # unlinking a participant leaves their documents with the deal, still counted
    unlinked = panel.post("/deal/people/unlink", {"crm_contact_id": other["id"]})
    assert unlinked.status_code == 200
    after = panel.get("/deal/summary", refresh="1")
    assert [r["id"] for r in rows(after.text)] == [chosen[0]["id"], chosen[2]["id"]]
    assert (
        Figures(after.text).figures["outstanding_invoices"]
        == Figures(removed.text).figures["outstanding_invoices"]
    )

    with server.app.app_context():
        entries = (
            get_session()
            .scalars(
                select(AuditEntry)
                .where(AuditEntry.workspace_id == workspace.id)
                .order_by(AuditEntry.id)
            )
            .all()
        )
    audited = [(e.action, e.subject) for e in entries if e.action.startswith("deal.")]
    assert audited == [
        *(("deal.document.add", r["id"]) for r in chosen),
        ("deal.document.remove", chosen[1]["id"]),
    ]
    assert all(
        e.details["crm_deal_id"] == record["id"] for e in entries if e.action.startswith("deal.")
    )


def test_the_deal_costs_one_invoices_call_and_one_quotes_call_per_contact_cold_none_warm(
    group_server,
):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    x1, x2 = contacts_with_open_invoices(server)[4:6]
    record, *_ = deal_with_two_linked(server, workspace, x1, x2)
    panel = open_group_panel(server, workspace, record)
    panel.get("/deal/summary")  # the organisation, once
    server.cache_clock.advance(server.app.config["CONTACT_FIGURES_TTL"] + 1)
    mark = meter.mark()
    assert panel.get("/deal/summary").status_code == 200
    assert paths(meter.since(mark)) == ["Invoices", "Quotes", "Quotes"]
    mark = meter.mark()
    relaunched = open_group_panel(server, workspace, record, user_id="rep-warm")
    assert relaunched.get("/deal/choices").status_code == 200
    assert relaunched.get("/deal/summary").status_code == 200
    assert 'data-figure="open_quotes"' in relaunched.page.text  # rendered at once
    assert meter.since(mark) == []


def test_picks_are_kept_per_workspace_and_organisation_and_survive_a_restart(
    db_app, database_url, sandbox_database_url
):
    key = picks.DealKey("ws-deals", "tenant-nz", "deal-9")
    with db_app.app_context():
        db = get_session()
        create_workspace(db, "Deals CRM", ["https://crm.example.com"], "ws-deals")
        db.commit()
        invoice = "33333333-3333-4333-8333-333333333333"
        assert picks.add(
            db, key, "invoice", invoice, xero_contact_id="x", number="INV-1", user=None
        )
        assert not picks.add(
            db, key, "invoice", invoice.upper(), xero_contact_id="x", number="INV-1", user=None
        )
        db.commit()
        assert picks.picks(db, picks.DealKey("ws-deals", "tenant-uk", "deal-9")) == []
    restarted = make_test_app(database_url, sandbox_database_url)
    try:
        with restarted.app_context():
            db = get_session()
            [row] = picks.picks(db, key)
            assert (row.document_type, row.document_id, row.number) == ("invoice", invoice, "INV-1")
            assert picks.remove(db, key, "invoice", invoice, None)
            db.commit()
            assert picks.picks(db, key) == []
            actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
            assert actions == ["deal.document.add", "deal.document.remove"]
    finally:
        restarted.extensions["db_engine"].dispose()
