"""Xero's documents as mirror rows, and the one way rows are written: an upsert by primary key
that never goes backwards.

Several writers can hold the same document at once (a sync page, a webhook follow-up, a document
the widget just created); the row keeps whichever copy Xero updated last (`xero_updated_at`), so
an older copy arriving late cannot overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from widget.mirror.models import MirrorContact, MirrorCreditNote, MirrorInvoice, MirrorQuote
from widget.suggest import normalise_name
from widget.xero.models import Contact, CreditNote, Invoice, Quote

#: rows per INSERT statement (SQLite allows 32,766 bound values; a row has at most 21)
BATCH = 500


def contact_row(contact: Contact) -> dict[str, Any]:
    return {
        "contact_id": contact.contact_id,
        "name": contact.name[:255],
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email_address": contact.email_address,
        "name_key": normalise_name(contact.name)[:255],
        "email_key": (contact.email_address or "").strip().casefold()[:255],
        "contact_status": contact.contact_status,
        "is_customer": contact.is_customer,
        "is_supplier": contact.is_supplier,
        "merged_to_contact_id": contact.merged_to_contact_id,
        "contact_number": contact.contact_number,
        "contact_persons": [
            {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email_address": person.email_address,
            }
            for person in contact.contact_persons
        ],
        "xero_updated_at": contact.updated_at,
    }


def invoice_row(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.invoice_id,
        "type": invoice.type,
        "invoice_number": invoice.invoice_number,
        "reference": invoice.reference,
        "contact_id": invoice.contact_id,
        "contact_name": invoice.contact_name,
        "status": invoice.status,
        "date": invoice.date,
        "due_date": invoice.due_date,
        "currency_code": invoice.currency_code,
        "currency_rate": invoice.currency_rate,
        "sub_total": invoice.sub_total,
        "total_tax": invoice.total_tax,
        "total": invoice.total,
        "amount_due": invoice.amount_due,
        "amount_paid": invoice.amount_paid,
        "amount_credited": invoice.amount_credited,
        "fully_paid_on_date": invoice.fully_paid_on_date,
        "xero_updated_at": invoice.updated_at,
    }


def quote_row(quote: Quote) -> dict[str, Any]:
    return {
        "quote_id": quote.quote_id,
        "quote_number": quote.quote_number,
        "reference": quote.reference,
        "title": quote.title,
        "contact_id": quote.contact_id,
        "contact_name": quote.contact_name,
        "status": quote.status,
        "date": quote.date,
        "expiry_date": quote.expiry_date,
        "currency_code": quote.currency_code,
        "currency_rate": quote.currency_rate,
        "sub_total": quote.sub_total,
        "total_tax": quote.total_tax,
        "total": quote.total,
        "xero_updated_at": quote.updated_at,
    }


def credit_note_row(note: CreditNote) -> dict[str, Any]:
    return {
        "credit_note_id": note.credit_note_id,
        "type": note.type,
        "credit_note_number": note.credit_note_number,
        "reference": note.reference,
        "contact_id": note.contact_id,
        "contact_name": note.contact_name,
        "status": note.status,
        "date": note.date,
        "currency_code": note.currency_code,
        "currency_rate": note.currency_rate,
        "total": note.total,
        "remaining_credit": note.remaining_credit,
        "xero_updated_at": note.updated_at,
    }


@dataclass(frozen=True)
class Shape:
    """How one kind of Xero document becomes rows of one table."""

    model: type
    key: str
    to_row: Any


SHAPES: dict[type, Shape] = {
    Contact: Shape(MirrorContact, "contact_id", contact_row),
    Invoice: Shape(MirrorInvoice, "invoice_id", invoice_row),
    Quote: Shape(MirrorQuote, "quote_id", quote_row),
    CreditNote: Shape(MirrorCreditNote, "credit_note_id", credit_note_row),
}


def shape_of(document: object) -> Shape:
    try:
        return SHAPES[type(document)]
    except KeyError:
        raise TypeError(f"the mirror keeps no {type(document).__name__}") from None


def upsert(session: Session, workspace_id: str, tenant_id: str, documents: Iterable[object]) -> int:
    """Insert or update these documents (all of one kind) in one organisation's mirror; a stored
    row that Xero updated later than the incoming copy is kept. Returns how many were given."""
    documents = list(documents)
    if not documents:
        return 0
    shape = shape_of(documents[0])
    rows = {}
    for document in documents:  # one copy per id: the newest (a page may repeat one)
        row = shape.to_row(document) | {"workspace_id": workspace_id, "tenant_id": tenant_id}
        previous = rows.get(row[shape.key])
        if previous is None or _newer_or_same(row, previous):
            rows[row[shape.key]] = row
    values = list(rows.values())
    for start in range(0, len(values), BATCH):
        _upsert_batch(session, shape, values[start : start + BATCH])
    return len(documents)


def _newer_or_same(row: dict, previous: dict) -> bool:
    new, old = row["xero_updated_at"], previous["xero_updated_at"]
    return old is None or (new is not None and new >= old)


def _upsert_batch(session: Session, shape: Shape, values: list[dict]) -> None:
    table = shape.model.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    keys = [column.name for column in table.primary_key.columns]
    updated = {name: statement.excluded[name] for name in values[0] if name not in keys}
    stored = table.c.xero_updated_at
    incoming = statement.excluded.xero_updated_at
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_=updated,
        where=or_(stored.is_(None), incoming.is_not(None) & (incoming >= stored)),
    )
    session.execute(statement)
