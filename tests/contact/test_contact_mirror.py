"""The contact panel once the organisation mirror is ready: figures, credit available, paid
status, View details and its paged lists, suggestions, search and linking, all with 0 Xero
calls, checked against arithmetic on the sandbox's stored documents (tests/contact/expected.py);
Refresh syncs the organisation and is bounded per user; merged contacts show their survivor."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import pytest

from tests.contact import expected
from tests.contact.mirror_fill import add_rows, fill_mirror, link_directly
from tests.contact.support import NZ, Figures, link_panel, open_panel, person_record, stored
from tests.contact.test_contact_figures import _contacts_to_check
from tests.panels.rows import contact_row, credit_row, invoice_row


@pytest.fixture
def mirrored(contact_server):
    """A workspace connected to the NZ organisation, its mirror filled and ready."""
    workspace = contact_server.connected_workspace(NZ)
    tenant_id = fill_mirror(contact_server, workspace.id, NZ)
    return workspace, tenant_id


def test_figures_come_from_the_mirror_with_no_xero_call(contact_server, mirrored):
    workspace, _tenant = mirrored
    today = expected.org_today(contact_server, NZ)
    meter = contact_server.meter
    mark = meter.mark()
    for why, contact_id in _contacts_to_check(contact_server, NZ).items():
        panel = link_panel(contact_server, workspace, contact_id)
        answer = panel.get("/contact/summary")
        assert answer.status_code == 200, (why, answer.text[:500])
        shown = Figures(answer.text).figures
        worked_out = expected.figures(contact_server, NZ, contact_id, today)
        for name, figure in worked_out.items():
            assert shown[name] == figure, (why, name)
        assert Figures(answer.text).credits["sales_credit"] == {"count": 0, "total": Decimal("0")}
        details = panel.get("/contact/details")
        assert details.status_code == 200 and "All documents" in details.text
    assert meter.since(mark) == []  # linking, figures and details: all from the mirror


def test_credit_available_and_its_links(contact_server, mirrored):
    workspace, tenant = mirrored
    customer = _contacts_to_check(contact_server, NZ)["customer"]
    notes = [
        credit_row(workspace.id, tenant, customer, number="CN-A", remaining="120.50"),
        credit_row(
            workspace.id,
            tenant,
            customer,
            number="CN-USD",
            remaining="50.00",
            total="80.00",
            currency="USD",
            rate="0.6",
        ),  # fmt: skip
        credit_row(workspace.id, tenant, customer, number="CN-USED", status="PAID", remaining="0"),
        credit_row(
            workspace.id, tenant, customer, number="CN-SUP", type="ACCPAYCREDIT", remaining="10.00"
        ),  # fmt: skip
    ]
    add_rows(contact_server, *notes)
    panel = link_panel(contact_server, workspace, customer)
    mark = contact_server.meter.mark()
    shown = Figures(panel.get("/contact/summary").text).credits
    usd_in_base = (Decimal("50.00") / Decimal("0.6")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert shown["sales_credit"]["count"] == 2
    assert shown["sales_credit"]["total"] == Decimal("120.50") + usd_in_base
    assert (shown["purchase_credit"]["count"], shown["purchase_credit"]["total"]) == (
        1,
        Decimal("10.00"),
    )  # noqa: E501
    details = panel.get("/contact/details").text
    short_code = contact_server.org(NZ).short_code
    for note in ("CN-A", "CN-USD"):
        note_id = next(n.credit_note_id for n in notes if n.credit_note_number == note)
        link = f"redirecturl=%2FAccountsReceivable%2FViewCreditNote.aspx%3FcreditNoteID%3D{note_id}"
        assert link in details and f"shortcode={quote(short_code, safe='')}" in details
    assert "AccountsPayable%2FViewCreditNote.aspx" in details
    assert "CN-USED" not in details
    assert contact_server.meter.since(mark) == []


def test_paid_and_part_paid_in_the_lists(contact_server, mirrored):
    workspace, tenant = mirrored
    who = contact_row(workspace.id, tenant, "Paige Payer", "paige@payer.test")
    part = invoice_row(workspace.id, tenant, who.contact_id, number="INV-PART", total="200",
                       due="75.25")  # fmt: skip
    paid = invoice_row(workspace.id, tenant, who.contact_id, number="INV-PAID", status="PAID",
                       due="0")  # fmt: skip
    add_rows(contact_server, who, part, paid)
    panel = link_panel(contact_server, workspace, who.contact_id)
    shown = Figures(panel.get("/contact/summary").text).figures
    assert shown["outstanding_invoices"] == {"count": 1, "total": Decimal("75.25"), "expired": 0}
    details = panel.get("/contact/details").text
    assert re.search(r'data-number="INV-PART"[^>]*data-payment="part-paid"', details)
    assert "INV-PAID" not in details  # paid: no longer outstanding
    listed = panel.get("/contact/documents", kind="invoices", status="paid")
    assert listed.status_code == 200
    assert re.search(r'data-number="INV-PAID"[^>]*data-payment="paid"', listed.text)


def test_all_documents_come_a_page_at_a_time(contact_server, mirrored):
    workspace, tenant = mirrored
    busy = contact_row(workspace.id, tenant, "Busy Buyer", "busy@buyer.test")
    start = date(2021, 1, 1)
    rows = [
        invoice_row(workspace.id, tenant, busy.contact_id, number=f"B-{n:04d}",
                    day=start + timedelta(days=n), status="PAID", due="0")
        for n in range(3000)
    ]  # fmt: skip
    add_rows(contact_server, busy, *rows)
    panel = link_panel(contact_server, workspace, busy.contact_id)
    first = panel.get("/contact/documents", kind="invoices", status="all")
    assert first.status_code == 200 and len(first.content) < 60_000
    numbers = re.findall(r'data-number="(B-\d+)"', first.text)
    assert numbers[:2] == ["B-2999", "B-2998"] and len(numbers) == 25
    assert 'data-next-page="2"' in first.text
    second = panel.get("/contact/documents", kind="invoices", status="all", page="2")
    assert re.findall(r'data-number="(B-\d+)"', second.text)[0] == "B-2974"
    found = panel.get("/contact/documents", kind="invoices", status="all", q="b-0007")
    assert re.findall(r'data-number="(B-\d+)"', found.text) == ["B-0007"]
    odd = panel.get("/contact/documents", kind="<x>", status="nope", page="-3")
    assert odd.status_code == 200


def test_suggestions_and_search_from_the_mirror(contact_server, mirrored):
    workspace, tenant = mirrored
    uma = contact_row(workspace.id, tenant, "Uma Patelski", "uma@patelski-design.test",
                      first="Uma", last="Patelski")  # fmt: skip
    add_rows(contact_server, uma)
    someone = stored(contact_server, NZ, "contact")[0]
    record = person_record(name="Whoever", email=someone["EmailAddress"])
    panel = open_panel(contact_server, workspace, record)
    mark = contact_server.meter.mark()
    suggestions = panel.get("/contact/suggestions")
    assert suggestions.status_code == 200
    first = re.search(r'data-xero-contact-id="([^"]+)"', suggestions.text).group(1)
    assert first == someone["ContactID"] and "Same email" in suggestions.text
    search = panel.get("/contact/search", q="Uma Patelsky")  # a typo
    assert re.search(r'data-xero-contact-id="([^"]+)"', search.text).group(1) == uma.contact_id
    linked = panel.post("/contact/link", {"xero_contact_id": uma.contact_id})
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    assert contact_server.meter.since(mark) == []


def test_a_merged_contact_shows_its_survivor(contact_server, mirrored):
    workspace, tenant = mirrored
    survivor = contact_row(workspace.id, tenant, "Surviving Co", "s@surviving.test")
    merged = contact_row(workspace.id, tenant, "Merged Co", status="ARCHIVED",
                         merged_to=survivor.contact_id)  # fmt: skip
    owed = invoice_row(workspace.id, tenant, survivor.contact_id, total="99.95")
    add_rows(contact_server, survivor, merged, owed)
    record = person_record(name="Merged Person")
    panel = open_panel(contact_server, workspace, record)
    # linked to the contact before Xero merged it, and no sync has moved the link yet
    link_directly(contact_server, workspace.id, tenant, record["id"], merged)
    answer = panel.get("/contact/summary").text
    assert Figures(answer).figures["outstanding_invoices"]["total"] == Decimal("99.95")
    assert "was merged into Surviving Co" in answer


def test_refresh_syncs_the_organisation_and_is_bounded_per_user(contact_server, mirrored):
    workspace, _tenant = mirrored
    customer = _contacts_to_check(contact_server, NZ)["customer"]
    panel = link_panel(contact_server, workspace, customer)
    jobs = contact_server.app.extensions["jobs"]
    before = len(jobs.queued)
    first = panel.get("/contact/summary", refresh="1")
    assert first.status_code == 200 and "As of" in first.text
    assert any(job[0] == "widget.mirror.jobs:refresh" for job in jobs.queued[before:])
    before = len(jobs.queued)
    again = panel.get("/contact/summary", refresh="1")
    assert again.status_code == 200 and "Refresh again in" in again.text
    assert Figures(again.text).figures == Figures(first.text).figures  # the figures at hand
    assert not any(job[0] == "widget.mirror.jobs:refresh" for job in jobs.queued[before:])
    contact_server.cache_clock.advance(60)
    later = panel.get("/contact/summary", refresh="1")
    assert "Refresh again in" not in later.text


def test_a_link_the_sync_moved_after_a_merge_is_told_once(contact_server, mirrored):
    from datetime import UTC, datetime

    from widget.mirror.models import MergeNotice

    workspace, tenant = mirrored
    survivor = contact_row(workspace.id, tenant, "Kept Ltd", "k@kept.test")
    add_rows(contact_server, survivor, invoice_row(workspace.id, tenant, survivor.contact_id,
                                                   total="41.00"))  # fmt: skip
    record = person_record(name="Moved Person")
    panel = open_panel(contact_server, workspace, record)
    # what the sync does when it sees the merge: the link follows the survivor, a notice waits
    link_directly(contact_server, workspace.id, tenant, record["id"], survivor)
    add_rows(
        contact_server,
        MergeNotice(workspace_id=workspace.id, tenant_id=tenant, record_type="contact",
                    crm_record_id=record["id"], merged_contact_id=survivor.contact_id[:-1] + "f",
                    merged_contact_name="Gone Ltd", survivor_contact_id=survivor.contact_id,
                    survivor_contact_name="Kept Ltd", created_at=datetime.now(UTC)),
    )  # fmt: skip
    first = panel.get("/contact/summary").text
    assert "Gone Ltd was merged into Kept Ltd in Xero" in first
    assert Figures(first).figures["outstanding_invoices"]["total"] == Decimal("41.00")
    assert "was merged into" not in panel.get("/contact/summary").text  # told once
