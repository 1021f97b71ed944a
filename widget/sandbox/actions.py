"""What a person does in Xero's own screens, for demos and tests: record a payment, approve or
void an invoice, raise and allocate a credit note, merge two contacts.

Shared by the CLI (`flask --app wsgi sandbox pay …`) and the `_control` HTTP API. Each action
is one transaction through `save`, so UpdatedDateUTC moves and webhooks follow as for API calls.
"""

import json
from datetime import timedelta

from sqlalchemy import or_, select

from widget.sandbox.creditnotes import CreditNoteBuilder
from widget.sandbox.documents import load, save
from widget.sandbox.models import Document
from widget.sandbox.payments import PaymentBuilder
from widget.sandbox.serialise import iso_date, ms_date, new_id, read_date
from widget.sandbox.settle import allocate, allocation_problems, dec


class ActionError(Exception):
    """The action is refused (unknown document, wrong status): the message says why."""


def _find(session, tenant_id: str, kind: str, key: str) -> dict:
    """A document by id or number (contacts: also by name, any case)."""
    key = key.strip()
    found = load(session, tenant_id, kind, key.lower())
    if found is None:
        match = [Document.number == key]
        if kind == "contact":
            match.append(Document.name_lc == key.lower())
        body = session.scalar(
            select(Document.body)
            .where(Document.tenant_id == tenant_id, Document.kind == kind, or_(*match))
            .order_by(Document.position)
            .limit(1)
        )
        found = json.loads(body) if body else None
    if found is None:
        raise ActionError(f"No {kind} '{key}' in this organisation")
    return found


def pay(box, tenant_id: str, invoice_key: str, amount=None, account_code: str = "090") -> dict:
    """A payment of `amount` (default: all that is due) into a bank account; the Payment."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        invoice = _find(session, tenant_id, "invoice", invoice_key)
        builder = PaymentBuilder(session, tenant_id, now)
        item = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": account_code},
            "Amount": str(amount if amount is not None else invoice.get("AmountDue")),
        }
        payment, errors = builder.build(item)
        if errors:
            raise ActionError("; ".join(errors))
        builder.save(payment)
    return payment


def approve(box, tenant_id: str, invoice_key: str) -> dict:
    """DRAFT or SUBMITTED -> AUTHORISED (a due date 20 days on if it had none)."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        invoice = _find(session, tenant_id, "invoice", invoice_key)
        if invoice["Status"] not in ("DRAFT", "SUBMITTED"):
            raise ActionError(f"{_label(invoice)} is {invoice['Status']}: only drafts approve")
        if not invoice.get("DueDate"):
            due = read_date(invoice["Date"]) + timedelta(days=20)
            invoice.update(DueDate=ms_date(due), DueDateString=iso_date(due))
        invoice["Status"] = "AUTHORISED"
        save(session, tenant_id, "invoice", invoice, now)
    return invoice


def void(box, tenant_id: str, invoice_key: str) -> dict:
    """AUTHORISED without payments -> VOIDED; a draft -> DELETED (as Xero's screens do)."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        invoice = _find(session, tenant_id, "invoice", invoice_key)
        status = invoice["Status"]
        if status in ("DRAFT", "SUBMITTED"):
            invoice["Status"] = "DELETED"
        elif status == "AUTHORISED":
            if dec(invoice.get("AmountPaid")) or dec(invoice.get("AmountCredited")):
                raise ActionError(f"{_label(invoice)} has payments or credit: remove them first")
            invoice["Status"] = "VOIDED"
        else:
            raise ActionError(f"{_label(invoice)} is {status}: it cannot be voided")
        invoice["AmountDue"] = 0.0
        save(session, tenant_id, "invoice", invoice, now)
    return invoice


def credit(box, tenant_id: str, contact_key: str, amount, sales: bool = True) -> dict:
    """An AUTHORISED credit note of `amount` (no tax) for a customer or from a supplier."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        contact = _find(session, tenant_id, "contact", contact_key)
        item = {
            "Type": "ACCRECCREDIT" if sales else "ACCPAYCREDIT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": contact["ContactID"]},
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {
                    "Description": "Credit",
                    "Quantity": 1,
                    "UnitAmount": str(amount),
                    "AccountCode": "200" if sales else "400",
                }
            ],
        }
        note, errors = CreditNoteBuilder(session, tenant_id, now).build(item)
        if errors:
            raise ActionError("; ".join(errors))
        save(session, tenant_id, "creditnote", note, now)
    return note


def allocate_credit(box, tenant_id: str, note_key: str, invoice_key: str, amount=None) -> dict:
    """Allocate (default: as much as both allow) a credit note to an invoice."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        note = _find(session, tenant_id, "creditnote", note_key)
        invoice = _find(session, tenant_id, "invoice", invoice_key)
        if amount is None:
            amount = min(dec(note.get("RemainingCredit")), dec(invoice.get("AmountDue")))
        amount = dec(amount)
        problems = allocation_problems(note, invoice, amount)
        if problems:
            raise ActionError("; ".join(problems))
        allocation = allocate(note, invoice, new_id(), amount, now.date())
        save(session, tenant_id, "invoice", invoice, now)
        save(session, tenant_id, "creditnote", note, now)
    return allocation


MOVED_KINDS = ("invoice", "quote", "creditnote")


def merge(box, tenant_id: str, from_key: str, into_key: str) -> dict:
    """Merge contact A into B as Xero does: A's documents move to B, A is ARCHIVED with
    `MergedToContactID` = B. Returns counts of what moved."""
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        gone = _find(session, tenant_id, "contact", from_key)
        kept = _find(session, tenant_id, "contact", into_key)
        if gone["ContactID"] == kept["ContactID"]:
            raise ActionError("A contact cannot be merged into itself")
        if kept.get("ContactStatus") != "ACTIVE":
            raise ActionError(f"'{kept['Name']}' is archived: merge into an active contact")
        moved = {}
        for kind in MOVED_KINDS:
            rows = session.scalars(
                select(Document.body).where(
                    Document.tenant_id == tenant_id,
                    Document.kind == kind,
                    Document.contact_id == gone["ContactID"],
                )
            ).all()
            for body in rows:
                document = json.loads(body)
                document["Contact"] = {"ContactID": kept["ContactID"], "Name": kept["Name"]}
                save(session, tenant_id, kind, document, now)
            moved[kind] = len(rows)
        for flag in ("IsCustomer", "IsSupplier"):
            kept[flag] = bool(kept.get(flag) or gone.get(flag))
        gone.update(ContactStatus="ARCHIVED", MergedToContactID=kept["ContactID"])
        save(session, tenant_id, "contact", gone, now)
        save(session, tenant_id, "contact", kept, now)
    return {"from": gone["ContactID"], "into": kept["ContactID"], "moved": moved}


def _label(invoice: dict) -> str:
    return invoice.get("InvoiceNumber") or invoice["InvoiceID"]
