"""Exactly once: each form's idempotency key creates at most one document, however often it is
sent and whatever happened to Xero's answer.

Every press first claims its key in `draft_submissions` (committed before Xero is called), so:
- a double click: the second press finds the key PENDING, waits for the first and shows its result;
- a resubmit after success: the key is CREATED, the document is shown again, Xero is not called;
- a retry after a timeout or 5xx (UNKNOWN: Xero may have saved it): the first press's exact
  request is sent again with the same Idempotency-Key, and Xero answers with what it created;
- a retry after Xero may have forgotten the key (DRAFTS_KEY_WINDOW_SECONDS; Xero keeps keys for
  about 6 minutes, unconfirmed): we first look for the document in Xero, in any status (the rep
  may have approved or sent it meanwhile), and resend only if absent.
A document is claimed by one submission only: the database refuses a second row with the same
(organisation, Xero id), and the lookup skips documents other submissions hold, so two forms with
the same content get two documents. Invoices and bills carry a mark of their submission in
Xero's `Url` (seen in Xero only, never by the customer), which tells ours from an identical one;
quotes have no such field, so for them the claims alone keep the count right.
A form edited after an UNKNOWN press settles the first press before sending anything new, so the
rep can never end up with both. Moves between states are compare-and-set on `attempts`, so two
retries of one key never both call Xero.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.clock import as_utc
from widget.auth.models import User
from widget.contact import clock
from widget.drafts.forms import new_key
from widget.drafts.models import CREATED, PENDING, REFUSED, UNKNOWN, DraftSubmission
from widget.drafts.service import DraftsXero
from widget.xero import InvoiceDraft, LineItemDraft, QuoteDraft, XeroValidationError
from widget.xero.models import Invoice, Quote

POLL_SECONDS = 0.05
BUSY = "busy"

#: how an Outcome came to be CREATED, so the rep is told what actually happened
NEW = "new"  # created by this press
EARLIER = "earlier"  # our own record: an earlier press of this form created it
RESENT = "resent"  # resent with the same key while Xero remembers it: Xero holds it once
FOUND = "found"  # Xero had forgotten the key; we found what the first press created


class AlreadyClaimed(Exception):
    """Xero answered with a document another submission already holds: never credit it twice."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind

    def message_for(self, is_admin: bool) -> str:
        return (
            f"Xero answered with a {self.kind} already recorded for another form, so this one "
            "is not counted as created. Check the contact's documents in Xero before pressing "
            "Create again."
        )


@dataclass(frozen=True)
class Target:
    """For whom and about what: one linked Xero contact, seen from one workspace's organisation."""

    workspace_id: str
    tenant_id: str
    xero_contact_id: str
    crm_contact_id: str
    user: User | None


@dataclass
class Outcome:
    status: str  # CREATED, REFUSED, UNKNOWN, or BUSY (another press is still with Xero)
    submission: DraftSubmission
    refusal: XeroValidationError | None = None
    error: Exception | None = None
    replayed: bool = False  # an earlier press created it
    edits_dropped: bool = False  # created as first sent: later edits to the form were not sent
    how: str = NEW  # NEW, EARLIER, RESENT or FOUND
    xero_status: str | None = None  # the document's status in Xero when we last saw it


def create_once(
    db: Session, xero: DraftsXero, target: Target, kind: str, key: str, draft, total: Decimal
) -> Outcome:
    fingerprint = _fingerprint(draft)
    row, owned = _claim(db, target, kind, key, draft, total, fingerprint)
    if owned:
        return _send(db, xero, target, row)
    row = _settle(db, row)
    if row.status == CREATED:
        edited = row.fingerprint != fingerprint
        return Outcome(CREATED, row, replayed=True, edits_dropped=edited, how=EARLIER)
    if row.status == REFUSED and row.fingerprint == fingerprint:
        return Outcome(REFUSED, row, refusal=_stored_refusal(row))
    if row.status == PENDING and not _abandoned(row):
        return Outcome(BUSY, row)
    if row.status != REFUSED:  # UNKNOWN, or PENDING abandoned by a process that died
        if not _take_over(db, row):
            return Outcome(BUSY, row)
        outcome = _resolve(db, xero, target, row)
        if outcome.status != REFUSED or row.fingerprint == fingerprint:
            outcome.edits_dropped = outcome.status == CREATED and row.fingerprint != fingerprint
            return outcome
    # the first press created nothing and the form has changed since: it is a new request
    row, _owned = _claim(db, target, kind, new_key(), draft, total, fingerprint)
    return _send(db, xero, target, row)


# --- the key's row ------------------------------------------------------------------------------


def _claim(
    db, target: Target, kind, key, draft, total, fingerprint
) -> tuple[DraftSubmission, bool]:
    """(row, True) when this press owns the key now; (existing row, False) when it was taken."""
    now = clock.now()
    payload = encode(_marked(draft, target, key), total)
    row = DraftSubmission(
        workspace_id=target.workspace_id,
        tenant_id=target.tenant_id,
        idempotency_key=key,
        kind=kind,
        status=PENDING,
        xero_contact_id=target.xero_contact_id,
        crm_contact_id=target.crm_contact_id,
        user_id=target.user.id if target.user is not None else None,
        payload=payload,
        fingerprint=fingerprint,
        attempts=1,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    try:
        db.commit()
        return row, True
    except IntegrityError:
        db.rollback()
    existing = _find(db, target, key)
    if existing.kind != kind or existing.xero_contact_id != target.xero_contact_id:
        # a key from another form (a stale tab, a tampered post): never show its document here
        return _claim(db, target, kind, new_key(), draft, total, fingerprint)
    return existing, False


def _find(db: Session, target: Target, key: str) -> DraftSubmission:
    return db.scalars(
        select(DraftSubmission)
        .where(
            DraftSubmission.workspace_id == target.workspace_id,
            DraftSubmission.tenant_id == target.tenant_id,
            DraftSubmission.idempotency_key == key,
        )
        .execution_options(populate_existing=True)
    ).one()


def _settle(db: Session, row: DraftSubmission) -> DraftSubmission:
    """The row once no press is with Xero (or the wait ran out: it is still PENDING)."""
    deadline = time.monotonic() + _wait_seconds()
    while True:
        db.rollback()  # a new read transaction sees what the other press committed
        row = db.get(DraftSubmission, row.id, populate_existing=True)
        if row.status != PENDING or _abandoned(row) or time.monotonic() >= deadline:
            return row
        time.sleep(POLL_SECONDS)


def _abandoned(row: DraftSubmission) -> bool:
    """A PENDING row nobody can still be working on (its process died mid-call)."""
    limit = timedelta(seconds=2 * _wait_seconds() + 10)
    return row.status == PENDING and clock.now() - as_utc(row.updated_at) > limit


def _take_over(db: Session, row: DraftSubmission) -> bool:
    """Compare-and-set the row back to PENDING for this press; False if another press won."""
    result = db.execute(
        update(DraftSubmission)
        .where(
            DraftSubmission.id == row.id,
            DraftSubmission.status == row.status,
            DraftSubmission.attempts == row.attempts,
        )
        .values(status=PENDING, attempts=row.attempts + 1, updated_at=clock.now())
    )
    db.commit()
    db.refresh(row)
    return result.rowcount == 1


# --- talking to Xero ----------------------------------------------------------------------------


def _resolve(db, xero: DraftsXero, target: Target, row) -> Outcome:
    """Settle an earlier press whose answer was lost: Xero's memory of the key, or our search."""
    window = current_app.config["DRAFTS_KEY_WINDOW_SECONDS"]
    if clock.now() - as_utc(row.created_at) <= timedelta(seconds=window):
        return _send(db, xero, target, row, how=RESENT)
    draft, total = decode(row.kind, row.payload)
    try:
        found = xero.find_created(draft, total, as_utc(row.created_at))
    except Exception as exc:
        return _finish_unknown(db, row, exc)
    for document in _unclaimed(db, row, found):
        outcome = _finish_created(db, target, row, document, how=FOUND)
        if outcome is not None:
            return outcome
    return _send(db, xero, target, row)  # nothing to find: Xero never saved it, create it now


def _unclaimed(db: Session, row: DraftSubmission, found: list) -> list:
    """The documents found that no other submission of the organisation holds."""
    ids = [_xero_id(document) for document in found]
    if not ids:
        return []
    held = db.scalars(
        select(DraftSubmission.xero_id).where(
            DraftSubmission.tenant_id == row.tenant_id,
            DraftSubmission.xero_id.in_(ids),
            DraftSubmission.id != row.id,
        )
    )
    taken = set(held)
    return [document for document in found if _xero_id(document) not in taken]


def _send(db, xero: DraftsXero, target: Target, row: DraftSubmission, how=NEW) -> Outcome:
    draft, _total = decode(row.kind, row.payload)  # exactly what the first press sent
    try:
        document = xero.create(draft, row.idempotency_key)
    except XeroValidationError as refusal:
        row.status, row.updated_at = REFUSED, clock.now()
        row.refusal = {"fields": refusal.field_errors, "general": refusal.general_errors}
        db.commit()
        xero.forget_reference()  # perhaps our copy of accounts or lock dates was out of date
        return Outcome(REFUSED, row, refusal=refusal)
    except Exception as exc:  # timeout, 5xx, 429, connection: it may or may not exist
        return _finish_unknown(db, row, exc)
    outcome = _finish_created(db, target, row, document, how=how)
    if outcome is None:  # Xero's answer is a document another form holds
        return _finish_unknown(db, row, AlreadyClaimed(_NAMES.get(row.kind, row.kind)))
    return outcome


def _finish_unknown(db: Session, row: DraftSubmission, exc: Exception) -> Outcome:
    row.status, row.updated_at = UNKNOWN, clock.now()
    db.commit()
    return Outcome(UNKNOWN, row, error=exc)


def _finish_created(db, target: Target, row, document: Invoice | Quote, *, how) -> Outcome | None:
    """The row CREATED with the document, audited; None (nothing changed) when another
    submission already holds that document (the database's unique claim refused it)."""
    row_id = row.id
    row.status, row.updated_at = CREATED, clock.now()
    row.xero_id = _xero_id(document)
    row.number = (
        document.quote_number if isinstance(document, Quote) else document.invoice_number
    ) or None
    row.amount = str(document.total) if document.total is not None else None
    row.currency_code = document.currency_code
    audit.record(
        db,
        target.workspace_id,
        target.user,
        "draft.create",
        row.xero_id,
        kind=row.kind,
        number=row.number,
        amount=row.amount,
        currency=row.currency_code,
        xero_contact_id=row.xero_contact_id,
        crm_contact_id=row.crm_contact_id,
        tenant_id=row.tenant_id,
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        db.get(DraftSubmission, row_id, populate_existing=True)
        return None
    replayed = how in (RESENT, FOUND, EARLIER)
    return Outcome(CREATED, row, replayed=replayed, how=how, xero_status=document.status)


def _xero_id(document: Invoice | Quote) -> str:
    return document.quote_id if isinstance(document, Quote) else document.invoice_id


def _stored_refusal(row: DraftSubmission) -> XeroValidationError:
    stored = row.refusal or {}
    fields, general = stored.get("fields") or {}, list(stored.get("general") or [])
    messages = general + [m for bucket in fields.values() for m in bucket if m not in general]
    return XeroValidationError(messages, fields, general)


def _wait_seconds() -> float:
    config = current_app.config
    return float(config.get("DRAFTS_WAIT_SECONDS") or config["XERO_TIMEOUT_SECONDS"] + 2)


# --- the request, kept to be sent again exactly ------------------------------------------------

_DATES = ("date", "due_date", "expiry_date")
_AMOUNTS = ("quantity", "unit_amount", "discount_rate")


_NAMES = {"quote": "quote", "invoice": "invoice", "bill": "bill"}


def encode(draft: InvoiceDraft | QuoteDraft, total: Decimal) -> str:
    """The draft as JSON with the total we expect: what every press of the key sends."""
    body = json.loads(json.dumps(asdict(draft), default=_plain, sort_keys=True))
    return json.dumps({"draft": body, "total": str(total)}, sort_keys=True)


def _fingerprint(draft: InvoiceDraft | QuoteDraft) -> str:
    """SHA-256 of what the rep asked for (without our mark): tells a retry from an edit."""
    asked = {name: value for name, value in asdict(draft).items() if name != "url"}
    body = json.dumps(asked, default=_plain, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _marked(draft, target: Target, key: str):
    """An invoice or bill with its submission's mark in Xero's `Url` ("Go to [app]" in Xero,
    never shown to the customer): a link to our page about it, unique to this key. Only an https
    link (or the sandbox) is sent: Xero is not known to take a plain-http one."""
    if not isinstance(draft, InvoiceDraft):
        return draft  # Xero keeps no such field on quotes
    token = hashlib.sha256(f"{target.workspace_id}:{target.tenant_id}:{key}".encode()).hexdigest()
    url = url_for("drafts.source", token=token[:32], _external=True)
    if not url.startswith("https://") and not current_app.config.get("XERO_USE_SANDBOX"):
        return draft
    return replace(draft, url=url)


def decode(kind: str, payload: str) -> tuple[InvoiceDraft | QuoteDraft, Decimal]:
    stored = json.loads(payload)
    data = dict(stored["draft"])
    for name in _DATES:
        if data.get(name):
            data[name] = date.fromisoformat(data[name])
    data["line_items"] = tuple(_line(line) for line in data.get("line_items") or ())
    draft = QuoteDraft(**data) if kind == "quote" else InvoiceDraft(**data)
    return draft, Decimal(stored["total"])


def _line(stored: dict) -> LineItemDraft:
    amounts = {k: Decimal(v) for k, v in stored.items() if k in _AMOUNTS and v is not None}
    return LineItemDraft(**{**stored, **amounts})


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")
