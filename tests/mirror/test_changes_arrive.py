"""What changes in Xero arrives with the next incremental sync: a payment (PAID, AmountDue 0),
a credit note allocated to an invoice (its RemainingCredit, the invoice's AmountDue), and merged
contacts, whose CRM links follow the survivor (audited, the rep told once)."""

from decimal import Decimal

import requests
from sqlalchemy import select

from tests.mirror.support import NZ, connect, sandbox_documents
from widget.auth.models import AuditEntry
from widget.contact import links
from widget.contact.models import ContactLink
from widget.mirror.models import MirrorContact, MirrorCreditNote, MirrorInvoice
from widget.mirror.service import merge_notice
from widget.mirror.sync import sync_organisation


def _xero_put(server, path: str, body: dict) -> dict:
    """Someone working in Xero (the sandbox's API, with a token of their own)."""
    token = server.sandbox.token(NZ)
    answer = requests.put(
        f"{server.url}/sandbox/xero/api.xero.com/api.xro/2.0/{path}",
        json=body,
        headers={
            "Authorization": f"Bearer {token.access_token}",
            "xero-tenant-id": server.tenant(NZ),
            "Accept": "application/json",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def _sync(server, connected):
    with server.app.app_context():
        assert sync_organisation(connected.workspace_id, connected.tenant_id).outcome == "synced"


def _rows(server, model, connected, *where):
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(model).where(
                model.workspace_id == connected.workspace_id,
                model.tenant_id == connected.tenant_id,
                *where,
            )
        ).all()


def test_a_payment_recorded_in_xero_arrives_as_paid(server):
    connected = connect(server, NZ)
    _sync(server, connected)
    owing = [
        row
        for row in _rows(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
        if row.type == "ACCREC" and row.amount_due and row.amount_paid == 0
    ]
    invoice = owing[0]
    today = server.sandbox.clock.today().isoformat()
    server.sandbox.clock.advance(seconds=2)
    _xero_put(
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
    _sync(server, connected)
    (paid,) = _rows(
        server, MirrorInvoice, connected, MirrorInvoice.invoice_id == invoice.invoice_id
    )
    assert paid.status == "PAID" and paid.amount_due == Decimal("0")
    assert paid.amount_paid == invoice.amount_due
    assert paid.xero_updated_at > invoice.xero_updated_at


def test_a_credit_note_allocated_in_xero_arrives_on_both_documents(server):
    connected = connect(server, NZ)
    _sync(server, connected)
    notes = _rows(server, MirrorCreditNote, connected, MirrorCreditNote.status == "AUTHORISED")
    invoices = _rows(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
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
    _xero_put(
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
    _sync(server, connected)
    (after_note,) = _rows(
        server, MirrorCreditNote, connected, MirrorCreditNote.credit_note_id == note.credit_note_id
    )
    (after_invoice,) = _rows(
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
    _sync(server, connected)
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
    survivor_row = _rows(server, MirrorContact, connected, MirrorContact.contact_id == survivor)
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
    _sync(server, connected)
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
