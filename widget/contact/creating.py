"""Add contact: create the Xero contact from the form, exactly once, and link it to the CRM record.

Shared by the contact and company panels, whose records both link to one Xero contact.

Each press is recorded under the form's idempotency key before Xero is called (in the drafts'
`draft_submissions`, kind "contact": what a key asked Xero to create and what it created). When
Xero's answer is lost (a timeout, a 5xx after it saved the contact), the next press of that form,
even with the name edited meanwhile, settles the first press before anything new is sent:
- within Xero's memory of the key (DRAFTS_KEY_WINDOW_SECONDS) the first request is sent again
  exactly as it was, and Xero answers with the contact it created (or creates it now, once);
- after it, the first name is looked up (`Name==`: a name is unique in a Xero organisation), and
  a contact that changed since the first press, held by no other submission, is the one.
What the first press created is linked, and the rep is told so plainly (with the name it has, if
they had changed it). Only when the first press created nothing is the form as typed now sent.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app, g, render_template
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from widget.auth.clock import as_utc
from widget.contact import clock, links, mirrored
from widget.contact import panel as states
from widget.contact.forms import ContactForm
from widget.db import get_session
from widget.drafts.models import CREATED, PENDING, REFUSED, UNKNOWN, DraftSubmission
from widget.xero import ContactDraft, XeroError, XeroValidationError
from widget.xero.models import Contact

KIND = "contact"
#: a PENDING press older than this is one whose process died: it may be settled by another
ABANDONED_SECONDS = 60
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Created:
    contact_id: str
    name: str
    new: bool  # created by this press (audit it as created)
    first_press: bool = False  # found or replayed: an earlier press whose answer was lost
    edited: bool = False  # the form had changed since: what the rep typed now was not sent


class StillPending(Exception):
    """Another press of this form is with Xero right now."""


def create_and_link(ctx, form: ContactForm) -> int | None:
    """None once the new contact is linked; otherwise the status to show the form again with
    (its messages set beside the fields, or at the top)."""
    if ctx.problem is not None:
        form.general_errors.append(ctx.problem.message_for(ctx.is_admin))
        return 409
    if not form.validate():
        return 422
    db = get_session()
    try:
        created = _create_once(db, ctx, form)
    except XeroValidationError as exc:
        form.refused(exc)
        if _names_taken(form):
            form.existing = _existing_named(ctx, form.name)
        return 422
    except StillPending:
        form.general_errors.append(
            "This contact is still being created in Xero. Press again in a moment to see it: "
            "it will not be created twice."
        )
        return 409
    except (XeroError, TimeoutError) as exc:
        form.general_errors.append(
            states.failure(ctx, exc).message + " Xero may or may not have created the contact: "
            "press again, and if it did, that one is linked (it is never created twice)."
        )
        return 503
    if created.new:
        links.record_created_contact(db, ctx.link_key, created.contact_id, created.name, ctx.user)
    current = links.find(db, ctx.link_key)
    if current is None or current.xero_contact_id != created.contact_id:  # a resubmit: linked
        links.link(db, ctx.link_key, created.contact_id, created.name, ctx.user)
    db.commit()
    g.contact_created_notice = _notice(created, form)
    return None


def _names_taken(form: ContactForm) -> bool:
    """Xero refused the name as another contact's ("… is already assigned to another contact")."""
    return any("already" in message for message in form.errors.get("name", []))


def _existing_named(ctx, name: str) -> tuple[str, str] | None:
    """The contact that has the name (names are unique in an organisation, any case): from the
    mirror when it is ready (0 calls), else Xero's `Name==` filter. None when not found."""
    wanted = name.casefold()
    try:
        if ctx.mirror is not None:
            candidates = mirrored.search(ctx, name)
        else:
            candidates = ctx.xero.contacts_named(name)
    except (XeroError, TimeoutError):
        return None  # the refusal still stands beside the name; the offer is a convenience
    for contact in candidates:
        archived = (contact.contact_status or "").upper() == "ARCHIVED"
        if (contact.name or "").casefold() == wanted and not archived:
            return contact.contact_id, contact.name
    return None


def notice_partial(target: str) -> str:
    """What to tell the rep beside the linked panel after Add contact (empty when nothing needs
    saying): an out-of-band fragment (HTML) for the panel's notice area `target`."""
    message = g.pop("contact_created_notice", None)
    if not message:
        return ""
    return render_template("contact/_created_notice.html", target=target, message=message)


def _notice(created: Created, form: ContactForm) -> str | None:
    if not created.first_press and not created.edited:
        return None
    said = f"“{created.name}” was created by your first press"
    if created.first_press:
        said += " (Xero's answer to it was lost)"
    said += " and is linked to this record now: no second contact was created."
    if created.edited and form.name != created.name:
        said += f" The name you changed to “{form.name}” was not sent: rename it in Xero if needed."
    return said


# --- exactly once -------------------------------------------------------------------------------


def _create_once(db, ctx, form: ContactForm) -> Created:
    draft = form.draft()
    fingerprint = _fingerprint(draft)
    row, owned = _claim(db, ctx, form.idempotency_key, draft, fingerprint)
    if owned:
        return _send(db, row, ctx)
    row = _settled(db, row)  # a double click waits for the first press
    edited = row.fingerprint != fingerprint
    first = _payload(row)
    if row.status == CREATED:
        return Created(row.xero_id, first.name, new=False, edited=edited)
    if row.status == PENDING and not _abandoned(row):
        raise StillPending
    if row.status in (UNKNOWN, PENDING):
        if not _take_over(db, row):
            raise StillPending
        created = _settle_first(db, row, ctx)
        if created is not None:
            return Created(created.contact_id, created.name, created.new, True, edited)
    # the first press created nothing: this press is a request of its own
    row, _owned = _claim(db, ctx, _new_key(), draft, fingerprint)
    return _send(db, row, ctx)


def _settle_first(db, row: DraftSubmission, ctx) -> Created | None:
    """What the unanswered first press created, or None when it created nothing."""
    window = timedelta(seconds=current_app.config["DRAFTS_KEY_WINDOW_SECONDS"])
    first = _payload(row)
    if clock.now() - as_utc(row.created_at) <= window:
        return _send(db, row, ctx)  # Xero still knows the key: it answers with what it made
    try:
        found = ctx.xero.contacts_named(first.name)
    except Exception:
        _finish(db, row, UNKNOWN)
        raise
    since = as_utc(row.created_at) - timedelta(minutes=1)
    for contact in found:
        changed = contact.updated_at is None or as_utc(contact.updated_at) >= since
        if changed and _finish(db, row, CREATED, contact):
            return Created(contact.contact_id, contact.name or first.name, new=True)
    _finish(db, row, REFUSED)  # settled: nothing was created, the key is done with
    return None


def _send(db, row: DraftSubmission, ctx) -> Created:
    draft = _payload(row)  # exactly what the first press sent
    try:
        contact = ctx.xero.create_contact(draft, row.idempotency_key)
    except XeroValidationError:
        _finish(db, row, REFUSED)
        raise
    except Exception:
        _finish(db, row, UNKNOWN)
        raise
    if not _finish(db, row, CREATED, contact):
        _finish(db, row, UNKNOWN)
        raise XeroError("Xero answered with a contact another form already created")
    return Created(contact.contact_id, contact.name or draft.name, new=True)


# --- the key's row ------------------------------------------------------------------------------


def _claim(db, ctx, key: str, draft: ContactDraft, fingerprint: str):
    """(row, True) when this press owns the key now; (existing row, False) when it was taken."""
    now = clock.now()
    row = DraftSubmission(
        workspace_id=ctx.workspace_id,
        tenant_id=ctx.tenant_id,
        idempotency_key=key,
        kind=KIND,
        status=PENDING,
        xero_contact_id="",
        crm_contact_id=str(ctx.crm_contact_id),
        user_id=ctx.user.id if ctx.user is not None else None,
        payload=json.dumps(asdict(draft), sort_keys=True),
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
    existing = db.scalars(
        select(DraftSubmission).where(
            DraftSubmission.workspace_id == ctx.workspace_id,
            DraftSubmission.tenant_id == ctx.tenant_id,
            DraftSubmission.idempotency_key == key,
        )
    ).one()
    if existing.kind != KIND or existing.crm_contact_id != str(ctx.crm_contact_id):
        return _claim(db, ctx, _new_key(), draft, fingerprint)  # another form's key: not ours
    return existing, False


def _take_over(db, row: DraftSubmission) -> bool:
    """Compare-and-set the row to PENDING for this press; False if another press won."""
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


def _finish(db, row: DraftSubmission, status: str, contact: Contact | None = None) -> bool:
    """Record how the press ended; False (and nothing recorded) when the contact is already
    held by another submission (the database's unique claim)."""
    row_id = row.id
    row.status, row.updated_at = status, clock.now()
    if contact is not None:
        row.xero_id = row.xero_contact_id = contact.contact_id
    try:
        db.commit()
        return True
    except IntegrityError:
        db.rollback()
        db.get(DraftSubmission, row_id, populate_existing=True)
        return False


def _settled(db, row: DraftSubmission) -> DraftSubmission:
    """The row once no press is with Xero, or still PENDING when the wait ran out."""
    deadline = time.monotonic() + float(current_app.config["XERO_TIMEOUT_SECONDS"]) + 2
    while row.status == PENDING and not _abandoned(row) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        db.rollback()  # a new read transaction sees what the other press committed
        row = db.get(DraftSubmission, row.id, populate_existing=True)
    return row


def _abandoned(row: DraftSubmission) -> bool:
    return clock.now() - as_utc(row.updated_at) > timedelta(seconds=ABANDONED_SECONDS)


def _payload(row: DraftSubmission) -> ContactDraft:
    return ContactDraft(**json.loads(row.payload))


def _fingerprint(draft: ContactDraft) -> str:
    return hashlib.sha256(json.dumps(asdict(draft), sort_keys=True).encode()).hexdigest()


def _new_key() -> str:
    return ContactForm().idempotency_key
