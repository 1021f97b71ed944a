"""End to end with the real mirror: connecting runs the first sync (FullyPaidOnDate stored from
Xero's answers), then "How they pay" matches arithmetic done here on the sandbox's own stored
invoices, with 0 Xero calls; a payment recorded in the sandbox moves the invoice from the
overdue bands into the payment record after Refresh."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.contact import expected
from tests.contact.support import NZ, link_panel, ms_day, serve_panels, stored
from tests.contact.test_contact_glance import Glance
from widget.mirror.service import mirror_status
from widget.sandbox.actions import pay

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def synced_server(tmp_path_factory):
    yield from serve_panels(
        tmp_path_factory, "glance-sync", hold_jobs=False, MIRROR_START_ON_CONNECT=True,
        MIRROR_FRESHNESS_SECONDS=3600, MIRROR_REFRESH_MIN_SECONDS=0, PANEL_REFRESH_WAIT_SECONDS=30,
    )  # fmt: skip


def _by_hand(server, contact_id: str, today):
    """Bands and lateness from the sandbox's stored invoices (JSON as Xero sends it)."""
    bands = {k: [0, Decimal(0)] for k in ("1_30", "31_60", "61_90", "over_90")}
    late = []
    for i in stored(server, NZ, "invoice"):
        if i["Contact"]["ContactID"] != contact_id or i["Type"] != "ACCREC":
            continue
        due = ms_day(i.get("DueDate"))
        if i["Status"] == "AUTHORISED" and Decimal(str(i["AmountDue"])) > 0 and due < today:
            days = (today - due).days
            key = ("1_30", "31_60", "61_90", "over_90")[min((days - 1) // 30, 3)]
            bands[key][0] += 1
            bands[key][1] += Decimal(str(i["AmountDue"])) / Decimal(str(i.get("CurrencyRate") or 1))
        paid_on = ms_day(i.get("FullyPaidOnDate"))
        if i["Status"] == "PAID" and paid_on and due and 0 <= (today - paid_on).days < 365:
            late.append(max(0, (paid_on - due).days))
    shown = {k: (c, t.quantize(CENT, ROUND_HALF_UP)) for k, (c, t) in bands.items()}
    return shown, late


def test_how_they_pay_after_the_first_sync_and_a_payment(synced_server):
    server = synced_server
    workspace = server.connected_workspace(NZ)
    tenant = server.org(NZ).tenant_id
    assert server.app.extensions["jobs"].wait_idle(180), "the first sync did not finish"
    with server.app.app_context():
        assert mirror_status(workspace.id, tenant).ready
    today = expected.org_today(server, NZ)
    overdue_by_contact = {
        i["Contact"]["ContactID"] for i in stored(server, NZ, "invoice")
        if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED" and i["AmountDue"] > 0
        and ms_day(i["DueDate"]) < today
    }  # fmt: skip
    contact_id = next(c for c in sorted(overdue_by_contact) if _by_hand(server, c, today)[1])

    mark = server.meter.mark()
    panel = link_panel(server, workspace, contact_id)
    shown = Glance(panel.get("/contact/summary").text)
    bands, late = _by_hand(server, contact_id, today)
    assert shown.present and shown.bands == bands
    assert shown.record["data-paid-count"] == str(len(late))
    assert shown.record["data-worst-days"] == str(max(late))
    assert server.meter.since(mark) == []

    invoice = next(
        i for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] == contact_id and i["Type"] == "ACCREC"
        and i["Status"] == "AUTHORISED" and i["AmountDue"] > 0 and ms_day(i["DueDate"]) < today
    )  # fmt: skip
    pay(server.sandbox, tenant, invoice["InvoiceID"])
    server.cache_clock.advance(timedelta(seconds=20).total_seconds())
    after = Glance(panel.get("/contact/summary", refresh="1").text)
    bands_after, late_after = _by_hand(server, contact_id, today)
    assert after.bands == bands_after
    assert sum(c for c, _ in after.bands.values()) == sum(c for c, _ in bands.values()) - 1
    assert after.record["data-paid-count"] == str(len(late_after)) == str(len(late) + 1)
