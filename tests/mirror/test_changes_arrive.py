"""What changes in Xero arrives with the next incremental sync: a payment (PAID, AmountDue 0),
a credit note allocated to an invoice (its RemainingCredit, the invoice's AmountDue), and merged
contacts, whose CRM links follow the survivor (audited, the rep told once)."""

from decimal import Decimal

from sqlalchemy import select

from tests.mirror.support import NZ, connect, rows_of, sandbox_documents, synced, xero_put
from widget.auth.models import AuditEntry
from widget.contact import links
from widget.contact.models import ContactLink
from widget.mirror.models import MirrorContact, MirrorCreditNote, MirrorInvoice
from widget.mirror.service import merge_notice
from widget.sandbox import actions


def test_a_payment_recorded_in_xero_arrives_as_paid(server):
    connected = connect(server, NZ)
    synced(server, connected)
    owing = [
        row
        for row in rows_of(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
        if row.type == "ACCREC" and row.amount_due and row.amount_paid == 0
    ]
    invoice = owing[0]
    today = server.sandbox.clock.today().isoformat()
    server.sandbox.clock.advance(seconds=2)
    xero_put(
        server,
        "Payments",
        {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice.invoice_id},
                    "Account": {"Code": "090"},
                    "Date": today,
                    "Amount": str(invoice.amount_due),
                }
            ]
        },
    )
    synced(server, connected)
    (paid,) = rows_of(
        server, MirrorInvoice, connected, MirrorInvoice.invoice_id == invoice.invoice_id
    )
    assert paid.status == "PAID" and paid.amount_due == Decimal("0")
    assert paid.amount_paid == invoice.amount_due
    assert paid.xero_updated_at > invoice.xero_updated_at


def test_a_credit_note_allocated_in_xero_arrives_on_both_documents(server):
    connected = connect(server, NZ)
    synced(server, connected)
    notes = rows_of(server, MirrorCreditNote, connected, MirrorCreditNote.status == "AUTHORISED")
    invoices = rows_of(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
    pair = next(
        (note, invoice)
        for note in notes
        for invoice in invoices
        if note.type == "ACCRECCREDIT"
        and invoice.type == "ACCREC"
        and invoice.contact_id == note.contact_id
        and invoice.currency_code == note.currency_code
        and invoice.amount_due >= Decimal("1")
        and note.remaining_credit >= Decimal("1")
    )
    note, invoice = pair
    server.sandbox.clock.advance(seconds=2)
    xero_put(
        server,
        f"CreditNotes/{note.credit_note_id}/Allocations",
        {
            "Allocations": [
                {
                    "Invoice": {"InvoiceID": invoice.invoice_id},
                    "Amount": "1.00",
                    "Date": server.sandbox.clock.today().isoformat(),
                }
            ]
        },
    )
    synced(server, connected)
    (after_note,) = rows_of(
        server, MirrorCreditNote, connected, MirrorCreditNote.credit_note_id == note.credit_note_id
    )
    (after_invoice,) = rows_of(
        server, MirrorInvoice, connected, MirrorInvoice.invoice_id == invoice.invoice_id
    )
    assert after_note.remaining_credit == note.remaining_credit - Decimal("1.00")
    assert after_invoice.amount_due == invoice.amount_due - Decimal("1.00")


def test_a_link_to_a_merged_contact_follows_the_survivor_and_the_rep_is_told_once(server):
    connected = connect(server, NZ)
    sessions = server.app.extensions["db_sessionmaker"]
    merged = next(c for c in sandbox_documents(server, NZ, "contact") if c.get("MergedToContactID"))
    key = links.LinkKey(connected.workspace_id, connected.tenant_id, "crm-merged-1")
    with server.app.app_context(), sessions() as session:
        links.link(session, key, merged["ContactID"], merged["Name"], None)
        session.commit()
    synced(server, connected)
    survivor = merged["MergedToContactID"]
    with sessions() as session:
        link = session.scalars(
            select(ContactLink).where(
                ContactLink.workspace_id == connected.workspace_id,
                ContactLink.crm_contact_id == "crm-merged-1",
            )
        ).one()
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.workspace_id == connected.workspace_id,
                AuditEntry.action == "contact.relinked_after_merge",
            )
        ).all()
    survivor_row = rows_of(server, MirrorContact, connected, MirrorContact.contact_id == survivor)
    assert link.xero_contact_id == survivor
    assert link.xero_contact_name == survivor_row[0].name
    assert len(audit) == 1 and audit[0].details["xero_contact_id"] == merged["ContactID"]
    with server.app.app_context():
        notice = merge_notice(
            connected.workspace_id, connected.tenant_id, "contact", "crm-merged-1"
        )
        assert notice.merged_contact_id == merged["ContactID"]
        assert notice.survivor_contact_id == survivor
        assert (
            merge_notice(connected.workspace_id, connected.tenant_id, "contact", "crm-merged-1")
            is None
        )
    # an incremental sync that sees the merged contact again changes nothing more
    server.sandbox.clock.advance(seconds=1)
    synced(server, connected)
    with sessions() as session:
        count = len(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.workspace_id == connected.workspace_id,
                    AuditEntry.action == "contact.relinked_after_merge",
                )
            ).all()
        )
    assert count == 1


def test_an_invoice_voided_in_xero_arrives_as_voided(server):
    connected = connect(server, NZ)
    synced(server, connected)
    invoice = next(
        row
        for row in rows_of(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
        if row.amount_paid == 0 and not row.amount_credited
    )
    server.sandbox.clock.advance(seconds=2)
    actions.void(server.sandbox, connected.tenant_id, invoice.invoice_id)
    synced(server, connected)
    same = MirrorInvoice.invoice_id == invoice.invoice_id
    (row,) = rows_of(server, MirrorInvoice, connected, same)
    assert row.status == "VOIDED"


def test_contacts_merged_in_xero_move_their_documents_and_links(server):
    connected = connect(server, NZ)
    synced(server, connected)
    invoices = rows_of(server, MirrorInvoice, connected)
    owners = sorted({row.contact_id for row in invoices if row.contact_id})
    merged_id, survivor_id = owners[0], owners[1]
    moved = {row.invoice_id for row in invoices if row.contact_id == merged_id}
    key = links.LinkKey(connected.workspace_id, connected.tenant_id, "crm-merged-2")
    with server.app.app_context(), server.app.extensions["db_sessionmaker"]() as session:
        links.link(session, key, merged_id, "Before the merge", None)
        session.commit()
    server.sandbox.clock.advance(seconds=2)
    actions.merge(server.sandbox, connected.tenant_id, merged_id, survivor_id)
    synced(server, connected)
    (merged,) = rows_of(server, MirrorContact, connected, MirrorContact.contact_id == merged_id)
    assert merged.contact_status == "ARCHIVED" and merged.merged_to_contact_id == survivor_id
    after = {row.invoice_id: row.contact_id for row in rows_of(server, MirrorInvoice, connected)}
    assert moved and all(after[invoice_id] == survivor_id for invoice_id in moved)
    with server.app.app_context():
        notice = merge_notice(key.workspace_id, key.tenant_id, "contact", "crm-merged-2")
    assert notice.survivor_contact_id == survivor_id
