"""The first sync: every contact, invoice/bill, quote and credit note of the organisation in the
workspace's mirror, read in the largest pages and smallest payloads Xero allows, with progress."""

from decimal import Decimal

from sqlalchemy import select

from tests.mirror.support import NZ, connect, count_rows, sandbox_documents
from widget.mirror.models import (
    MirrorContact,
    MirrorCreditNote,
    MirrorInvoice,
    MirrorQuote,
    MirrorState,
)
from widget.mirror.service import mirror_status
from widget.mirror.sync import sync_organisation


def test_first_sync_copies_the_organisation(server):
    connected = connect(server, NZ)
    mark = server.meter.mark()
    with server.app.app_context():
        assert not mirror_status(connected.workspace_id, connected.tenant_id).ready
        result = sync_organisation(connected.workspace_id, connected.tenant_id)
        status = mirror_status(connected.workspace_id, connected.tenant_id)
    assert result.outcome == "synced"
    contacts = sandbox_documents(server, NZ, "contact")
    invoices = sandbox_documents(server, NZ, "invoice")
    quotes = sandbox_documents(server, NZ, "quote")
    credit_notes = sandbox_documents(server, NZ, "creditnote")
    assert credit_notes
    assert count_rows(server, MirrorCreditNote, connected) == len(credit_notes)
    assert count_rows(server, MirrorContact, connected) == len(contacts)
    assert count_rows(server, MirrorInvoice, connected) == len(invoices)
    assert count_rows(server, MirrorQuote, connected) == len(quotes)
    assert status.ready and not status.running and status.last_error is None
    total = len(contacts) + len(invoices) + len(quotes) + len(credit_notes)
    assert status.documents_read == total
    assert status.documents_expected == status.documents_read
    assert status.synced_at is not None

    calls = server.meter.since(mark)
    assert all(call.status == 200 for call in calls)
    contact_calls = [c for c in calls if c.path == "Contacts"]
    invoice_calls = [c for c in calls if c.path == "Invoices"]
    assert contact_calls and all(c.query.get("pageSize") == "1000" for c in contact_calls)
    assert all(c.query.get("includeArchived") == "true" for c in contact_calls)
    assert "summaryOnly" not in contact_calls[0].query  # it would drop ContactPersons
    assert all(c.query.get("summaryOnly") == "true" for c in invoice_calls)
    assert all(c.query.get("order") == "UpdatedDateUTC DESC" for c in contact_calls)
    assert all(c.modified_since is None for c in calls)  # a first sync reads everything


def test_mirrored_amounts_match_the_sandbox(server):
    connected = connect(server, NZ)
    with server.app.app_context():
        sync_organisation(connected.workspace_id, connected.tenant_id)
    expected = {
        i["InvoiceID"]: (i["Status"], Decimal(str(i["AmountDue"])), i["Contact"]["ContactID"])
        for i in sandbox_documents(server, NZ, "invoice")
    }
    with server.app.extensions["db_sessionmaker"]() as session:
        rows = session.scalars(
            select(MirrorInvoice).where(MirrorInvoice.workspace_id == connected.workspace_id)
        ).all()
        persons = session.scalars(
            select(MirrorContact.contact_persons).where(
                MirrorContact.workspace_id == connected.workspace_id
            )
        ).all()
    assert {r.invoice_id: (r.status, r.amount_due, r.contact_id) for r in rows} == expected
    with_persons = [c for c in sandbox_documents(server, NZ, "contact") if c.get("ContactPersons")]
    assert with_persons and sum(1 for p in persons if p) == len(with_persons)


def test_a_second_workspace_has_its_own_mirror(server):
    first, second = connect(server, NZ), connect(server, NZ)
    with server.app.app_context():
        sync_organisation(first.workspace_id, first.tenant_id)
    assert count_rows(server, MirrorContact, first) > 0
    assert count_rows(server, MirrorContact, second) == 0
    with server.app.extensions["db_sessionmaker"]() as session:
        assert session.get(MirrorState, (second.workspace_id, second.tenant_id)) is None


def test_a_short_hold_of_xeros_limits_is_waited_out_not_a_failed_sync(server):
    """Two minute-limit 429s (Retry-After 1) halfway: the sync waits them out and finishes,
    instead of leaving a long first sync to the job runner's next retry."""
    connected = connect(server, NZ)
    server.sandbox.faults.set(NZ, force_429=2, force_429_problem="minute")
    mark = server.meter.mark()
    try:
        with server.app.app_context():
            result = sync_organisation(connected.workspace_id, connected.tenant_id)
            status = mirror_status(connected.workspace_id, connected.tenant_id)
    finally:
        server.sandbox.faults.clear(NZ)
    assert result.outcome == "synced"
    assert status.ready and status.last_error is None
    assert [call.status for call in server.meter.since(mark)].count(429) == 2
    assert count_rows(server, MirrorContact, connected) == len(
        sandbox_documents(server, NZ, "contact")
    )
