"""End to end with the real mirror: connecting runs the first sync in the app's job threads,
then the contact panel's figures and Credit available match arithmetic on the sandbox's stored
documents with 0 Xero calls; a payment recorded in the sandbox leaves the outstanding figures
after Refresh (which syncs the organisation) and is listed as Paid."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.contact import expected
from tests.contact.support import NZ, Figures, link_panel, serve_panels, stored
from widget.mirror.service import mirror_status
from widget.sandbox.actions import pay

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def synced_server(tmp_path_factory):
    """Jobs run for real; the mirror counts as fresh for an hour, so the only syncs are the
    first one and Refresh's (and every Xero call the meter sees while a panel is read is one
    the panel would have made)."""
    yield from serve_panels(
        tmp_path_factory, "contact-sync", hold_jobs=False, MIRROR_START_ON_CONNECT=True,
        MIRROR_FRESHNESS_SECONDS=3600, MIRROR_REFRESH_MIN_SECONDS=0, PANEL_REFRESH_WAIT_SECONDS=30,
    )  # fmt: skip


def credit(server, org_name: str, contact_id: str, side: str) -> dict:
    """Credit available worked out here from the stored credit notes."""
    notes = [
        n for n in stored(server, org_name, "creditnote")
        if n["Contact"]["ContactID"] == contact_id and n["Type"] == side
        and n["Status"] == "AUTHORISED" and Decimal(str(n["RemainingCredit"])) > 0
    ]  # fmt: skip
    total = Decimal(0)
    for note in notes:
        total += Decimal(str(note["RemainingCredit"])) / Decimal(str(note.get("CurrencyRate") or 1))
    return {"count": len(notes), "total": total.quantize(CENT, rounding=ROUND_HALF_UP)}


def test_first_sync_then_figures_credit_and_a_payment(synced_server):
    server = synced_server
    workspace = server.connected_workspace(NZ)
    tenant = server.org(NZ).tenant_id
    assert server.app.extensions["jobs"].wait_idle(180), "the first sync did not finish"
    with server.app.app_context():
        assert mirror_status(workspace.id, tenant).ready

    notes = stored(server, NZ, "creditnote")
    owing = {
        i["Contact"]["ContactID"] for i in stored(server, NZ, "invoice")
        if (i["Type"], i["Status"]) == ("ACCREC", "AUTHORISED") and i["AmountDue"] > 0
    }  # fmt: skip
    with_credit = sorted(
        n["Contact"]["ContactID"] for n in notes
        if n["Type"] == "ACCRECCREDIT" and n["Status"] == "AUTHORISED" and n["RemainingCredit"] > 0
    )  # fmt: skip
    contact_id = next((c for c in with_credit if c in owing), None) or sorted(owing)[0]
    today = expected.org_today(server, NZ)

    mark = server.meter.mark()
    panel = link_panel(server, workspace, contact_id)
    shown = Figures(panel.get("/contact/summary").text)
    assert shown.figures == expected.figures(server, NZ, contact_id, today)
    for side, key in (("ACCRECCREDIT", "sales_credit"), ("ACCPAYCREDIT", "purchase_credit")):
        assert shown.credits[key] == credit(server, NZ, contact_id, side), key
    assert panel.get("/contact/details").status_code == 200
    assert server.meter.since(mark) == []  # linked, figures and details from the mirror

    invoice = next(
        i for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] == contact_id and i["Type"] == "ACCREC"
        and i["Status"] == "AUTHORISED" and Decimal(str(i["AmountDue"])) > 0
    )  # fmt: skip
    pay(server.sandbox, tenant, invoice["InvoiceID"])  # all that is due: it becomes PAID
    before = shown.figures["outstanding_invoices"]
    refreshed = panel.get("/contact/summary", refresh="1")
    assert refreshed.status_code == 200
    after = Figures(refreshed.text).figures
    assert after == expected.figures(server, NZ, contact_id, today)
    assert after["outstanding_invoices"]["count"] == before["count"] - 1
    paid = panel.get("/contact/documents", kind="invoices", status="paid").text
    row = re.search(rf'data-number="{invoice["InvoiceNumber"]}"[^>]*data-payment="(\w+)"', paid)
    assert row is not None and row.group(1) == "paid"
