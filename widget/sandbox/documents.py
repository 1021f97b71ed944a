"""Saving and loading Xero documents as `Document` rows: key columns derived from the JSON."""

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from widget.sandbox.changes import note_change
from widget.sandbox.models import Counter, Document
from widget.sandbox.serialise import ms_date, read_date

KINDS = (
    "contact",
    "invoice",
    "quote",
    "creditnote",
    "payment",
    "account",
    "taxrate",
    "item",
    "currency",
)
#: Documents whose `UpdatedDateUTC` Xero maintains (and `If-Modified-Since` reads).
TRACKED = frozenset({"contact", "invoice", "quote", "creditnote", "payment"})


def _contact_columns(body: dict) -> dict:
    searchable = [
        body.get(field) or ""
        for field in (
            "Name",
            "FirstName",
            "LastName",
            "ContactNumber",
            "CompanyNumber",
            "EmailAddress",
        )
    ]
    return {
        "status": body.get("ContactStatus"),
        "name_lc": (body.get("Name") or "").lower(),
        "email_lc": (body.get("EmailAddress") or "").lower() or None,
        "number": body.get("ContactNumber"),
        "search_text": "\n".join(searchable).lower(),
    }


def _invoice_columns(body: dict) -> dict:
    rate = Decimal(str(body.get("CurrencyRate") or 1))
    due = Decimal(str(body.get("AmountDue") or 0))
    return {
        "contact_id": body["Contact"]["ContactID"],
        "type": body.get("Type"),
        "status": body.get("Status"),
        "number": body.get("InvoiceNumber"),
        "date": read_date(body.get("Date")),
        "due_date": read_date(body.get("DueDate")),
        "amount_due_base": float(due / rate) if rate else float(due),
    }


def _quote_columns(body: dict) -> dict:
    return {
        "contact_id": body["Contact"]["ContactID"],
        "status": body.get("Status"),
        "number": body.get("QuoteNumber"),
        "date": read_date(body.get("Date")),
        "expiry_date": read_date(body.get("ExpiryDate")),
    }


def _credit_note_columns(body: dict) -> dict:
    rate = Decimal(str(body.get("CurrencyRate") or 1))
    remaining = Decimal(str(body.get("RemainingCredit") or 0))
    return {
        "contact_id": body["Contact"]["ContactID"],
        "type": body.get("Type"),
        "status": body.get("Status"),
        "number": body.get("CreditNoteNumber"),
        "date": read_date(body.get("Date")),
        "due_date": read_date(body.get("DueDate")),
        "amount_due_base": float(remaining / rate) if rate else float(remaining),
    }


def _payment_columns(body: dict) -> dict:
    document = body.get("Invoice") or body.get("CreditNote") or {}
    return {
        "contact_id": (document.get("Contact") or {}).get("ContactID"),
        "type": body.get("PaymentType"),
        "status": body.get("Status"),
        "number": document.get("InvoiceID") or document.get("CreditNoteID"),
        "date": read_date(body.get("Date")),
    }


INDEX_COLUMNS = {
    "contact": _contact_columns,
    "invoice": _invoice_columns,
    "quote": _quote_columns,
    "creditnote": _credit_note_columns,
    "payment": _payment_columns,
    "account": lambda b: {"number": b.get("Code"), "status": b.get("Status"), "type": b["Type"]},
    "taxrate": lambda b: {"number": b.get("TaxType"), "status": b.get("Status")},
    "item": lambda b: {"number": b.get("Code")},
    "currency": lambda b: {"number": b.get("Code")},
}


def index_columns(kind: str, body: dict) -> dict:
    """The indexed key columns of a document, derived from its Xero JSON."""
    return INDEX_COLUMNS[kind](body)


ID_FIELD = {
    "contact": "ContactID",
    "invoice": "InvoiceID",
    "quote": "QuoteID",
    "creditnote": "CreditNoteID",
    "payment": "PaymentID",
    "account": "AccountID",
    "taxrate": "TaxType",
    "item": "ItemID",
    "currency": "Code",
}


def stamp(now: datetime) -> datetime:
    """`now` cut to the milliseconds `UpdatedDateUTC` carries."""
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def save(session: Session, tenant_id: str, kind: str, body: dict, now: datetime) -> Document:
    """Insert or replace one document (its id is the JSON's own id field).

    Every save is a change as Xero sees it: `UpdatedDateUTC` (in the JSON and the indexed
    column) becomes `now`, and the change is noted for the webhooks sent after the commit."""
    doc_id = body[ID_FIELD[kind]]
    row = session.get(Document, (tenant_id, kind, doc_id))
    created = row is None
    if created:
        row = Document(tenant_id=tenant_id, kind=kind, doc_id=doc_id)
        row.position = next_value(session, tenant_id, f"pos:{kind}")
        session.add(row)
    when = stamp(now)
    if kind in TRACKED:
        body["UpdatedDateUTC"] = ms_date(when)
    for column, value in index_columns(kind, body).items():
        setattr(row, column, value)
    row.updated_at = when
    row.body = json.dumps(body, separators=(",", ":"))
    note_change(session, tenant_id, kind, doc_id, created, body, when)
    return row


def next_value(session: Session, tenant_id: str, name: str) -> int:
    """The next number of a per-organisation sequence (1, 2, 3, ...)."""
    counter = session.get(Counter, (tenant_id, name), with_for_update=True)
    if counter is None:
        counter = Counter(tenant_id=tenant_id, name=name, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return counter.value


def load(session: Session, tenant_id: str, kind: str, doc_id: str) -> dict | None:
    row = session.get(Document, (tenant_id, kind, doc_id))
    return json.loads(row.body) if row else None


def all_of(session: Session, tenant_id: str, kind: str) -> list[dict]:
    rows = session.scalars(
        select(Document.body)
        .where(Document.tenant_id == tenant_id, Document.kind == kind)
        .order_by(Document.position)
    )
    return [json.loads(body) for body in rows]


def count(session: Session, tenant_id: str, kind: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.tenant_id == tenant_id, Document.kind == kind)
    )
