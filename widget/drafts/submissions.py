"""Exactly once: each form's idempotency key creates at most one document, however often it is
sent and whatever happened to Xero's answer.

Every press first claims its key in `draft_submissions` (committed before Xero is called), so:
- a double click: the second press finds the key PENDING, waits for the first and shows its result;
- a resubmit after success: the key is CREATED, the document is shown again, Xero is not called;
- a retry after a timeout or 5xx (UNKNOWN: Xero may have saved it): the first press's exact
  request is sent again with the same Idempotency-Key, and Xero answers with what it created;
- a retry after Xero may have forgotten the key (DRAFTS_KEY_WINDOW_SECONDS; Xero keeps keys for
  about 6 minutes, unconfirmed): we first look for the draft in Xero, and resend only if absent.
A form edited after an UNKNOWN press settles the first press before sending anything new, so the
rep can never end up with both. Moves between states are compare-and-set on `attempts`, so two
retries of one key never both call Xero.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
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


def create_once(
    db: Session, xero: DraftsXero, target: Target, kind: str, key: str, draft, total: Decimal
) -> Outcome:
    payload, fingerprint = encode(draft, total)
    row, owned = _claim(db, target, kind, key, payload, fingerprint)
    if owned:
        return _send(db, xero, target, row, draft)
    row = _settle(db, row)
    if row.status == CREATED:
        return Outcome(CREATED, row, replayed=True, edits_dropped=row.fingerprint != fingerprint)
    if row.status == REFUSED and row.fingerprint == fingerprint:
        return Outcome(REFUSED, row, refusal=_stored_refusal(row))
    if row.status == PENDING and not _abandoned(row):
        return Outcome(BUSY, row)
    if row.status != REFUSED:  # UNKNOWN, or PENDING abandoned by a process that died
        if not _take_over(db, row):
            return Outcome(BUSY, row)
        first_draft, first_total = decode(row.kind, row.payload)
        outcome = _resolve(db, xero, target, row, first_draft, first_total)
        if outcome.status != REFUSED or row.fingerprint == fingerprint:
            outcome.edits_dropped = outcome.status == CREATED and row.fingerprint != fingerprint
            return outcome
    # the first press created nothing and the form has changed since: it is a new request
    row, _owned = _claim(db, target, kind, new_key(), payload, fingerprint)
    return _send(db, xero, target, row, draft)


# --- the key's row ------------------------------------------------------------------------------


def _claim(db, target: Target, kind, key, payload, fingerprint) -> tuple[DraftSubmission, bool]:
    """(row, True) when this press owns the key now; (existing row, False) when it was taken."""
    now = clock.now()
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
        return _claim(db, target, kind, new_key(), payload, fingerprint)
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


def _resolve(db, xero: DraftsXero, target: Target, row, draft, total: Decimal) -> Outcome:
    """Settle an earlier press whose answer was lost: Xero's memory of the key, or our search."""
    window = current_app.config["DRAFTS_KEY_WINDOW_SECONDS"]
    if clock.now() - as_utc(row.created_at) > timedelta(seconds=window):
        try:
            found = xero.find_created(draft, total, as_utc(row.created_at))
        except Exception as exc:
            return _finish_unknown(db, row, exc)
        if found is not None:
            return _finish_created(db, target, row, found, replayed=True)
    return _send(db, xero, target, row, draft)


def _send(db, xero: DraftsXero, target: Target, row: DraftSubmission, draft) -> Outcome:
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
    return _finish_created(db, target, row, document, replayed=row.attempts > 1)


def _finish_unknown(db: Session, row: DraftSubmission, exc: Exception) -> Outcome:
    row.status, row.updated_at = UNKNOWN, clock.now()
    db.commit()
    return Outcome(UNKNOWN, row, error=exc)


def _finish_created(db, target: Target, row, document: Invoice | Quote, *, replayed) -> Outcome:
    row.status, row.updated_at = CREATED, clock.now()
    row.xero_id = document.quote_id if isinstance(document, Quote) else document.invoice_id
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
    db.commit()
    return Outcome(CREATED, row, replayed=replayed)


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


def encode(draft: InvoiceDraft | QuoteDraft, total: Decimal) -> tuple[str, str]:
    """(payload, fingerprint): the draft as JSON with the total we expect, and its hash."""
    body = json.dumps(asdict(draft), default=_plain, sort_keys=True)
    payload = json.dumps({"draft": json.loads(body), "total": str(total)}, sort_keys=True)
    return payload, hashlib.sha256(body.encode()).hexdigest()


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
