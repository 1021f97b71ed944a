"""Issue 12: a view member looping `?refresh=1` (before the mirror is ready, when Refresh fetches
from Xero) spends Xero's budget once per REFRESH_USER_MIN_SECONDS, not once per request; the
panel says when Refresh can be pressed again and shows the figures it has."""

from decimal import Decimal

from tests.contact.support import NZ, Figures, open_panel, person_record, stored


def _owing(server) -> str:
    return sorted(
        i["Contact"]["ContactID"] for i in stored(server, NZ, "invoice")
        if (i["Type"], i["Status"]) == ("ACCREC", "AUTHORISED") and Decimal(str(i["AmountDue"]))
    )[3]  # fmt: skip


def test_a_looping_refresh_reaches_xero_once_per_interval(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    record = person_record(name="Looping Viewer's Customer")
    editor = open_panel(contact_server, workspace, record)
    editor.post("/contact/link", {"xero_contact_id": _owing(contact_server)})
    panel = open_panel(contact_server, workspace, record, user_id="viewer-1", access="view")
    first = panel.get("/contact/summary")
    mark = meter.mark()
    looped = [panel.get("/contact/summary", refresh="1") for _ in range(10)]
    calls = [call.path for call in meter.since(mark)]
    assert sorted(calls) == ["Invoices", "Quotes"]  # the first Refresh only
    assert all(answer.status_code == 200 for answer in looped)
    assert all("Refresh again in" in answer.text for answer in looped[1:])
    assert all(Figures(a.text).figures == Figures(first.text).figures for a in looped)

    contact_server.cache_clock.advance(16)  # past REFRESH_USER_MIN_SECONDS (15)
    mark = meter.mark()
    later = panel.get("/contact/summary", refresh="1")
    assert "Refresh again in" not in later.text
    assert sorted(call.path for call in meter.since(mark)) == ["Invoices", "Quotes"]
