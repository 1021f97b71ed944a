"""Creating the missing Xero contacts: for every CRM contact the matching found nothing for, a
Xero contact is created and linked, in a background job (widget.jobs), exactly once per CRM
contact however often it is asked for, stopped or retried.

1. `claim_missing` (the admin's press) records one `crm_creations` row per CRM contact to create,
   each with an Idempotency-Key fixed for that CRM contact, then queues the job (one per
   organisation at a time: the job key).
2. The job (`create_missing`) works through the pending rows, one Xero call each, committing each
   link as it goes; a failure stops it with the reason recorded (the job runner retries it later
   with backoff, or the admin presses Retry), and the next run carries on where it stopped.
3. A press whose answer was lost (Xero created the contact, we never heard) is resent with the
   same key, so Xero answers with the same contact; after Xero forgot the key (~6 minutes), Xero's
   refusal of a second contact with that name finds it instead (`Name==`), and it is linked.
Xero calls go through the organisation's client (widget.connection.service), so they are paced
like every other call (rate-limit holds and the budget governor where it is wired in).
"""

import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.auth.models import User
from widget.contact import links
from widget.crm import matching
from widget.crm.models import CrmContact, CrmCreation, CrmMatch
from widget.crm.review import Scope
from widget.db import get_session
from widget.xero import ContactDraft, XeroError, XeroValidationError

log = logging.getLogger(__name__)

JOB = "widget.crm.creating:create_missing"
_KEYS = uuid.UUID("6f1d2c1e-5b7a-4f0e-9d55-2f6a0c9b8e11")


def job_key(scope: Scope) -> str:
    return f"crm-create:{scope.workspace_id}:{scope.tenant_id}"


def idempotency_key(scope: Scope, crm_id: str) -> str:
    """The same for a CRM contact in an organisation, every run: Xero replays, never repeats."""
    return str(uuid.uuid5(_KEYS, f"{scope.workspace_id}\n{scope.tenant_id}\n{crm_id}"))


def claim_missing(session: Session, scope: Scope) -> int:
    """A pending creation for each CRM contact without a match (and without one already);
    returns how many are pending now. The caller commits, then queues the job."""
    claimed = set(
        session.scalars(
            select(CrmCreation.crm_id).where(
                CrmCreation.workspace_id == scope.workspace_id,
                CrmCreation.tenant_id == scope.tenant_id,
            )
        )
    )
    unmatched = session.scalars(
        select(CrmMatch.crm_id).where(
            CrmMatch.workspace_id == scope.workspace_id,
            CrmMatch.tenant_id == scope.tenant_id,
            CrmMatch.category == matching.NONE,
        )
    )
    now = utcnow()
    for crm_id in unmatched:
        if crm_id not in claimed:
            session.add(
                CrmCreation(
                    workspace_id=scope.workspace_id, tenant_id=scope.tenant_id, crm_id=crm_id,
                    status="pending", idempotency_key=idempotency_key(scope, crm_id),
                    updated_at=now,
                )
            )  # fmt: skip
    session.flush()
    done, total, _error = progress(session, scope)
    return total - done


def progress(session: Session, scope: Scope) -> tuple[int, int, str | None]:
    """(done, claimed in all, the last error of a pending one if any)."""
    where = (
        CrmCreation.workspace_id == scope.workspace_id,
        CrmCreation.tenant_id == scope.tenant_id,
    )
    counts = dict(
        session.execute(
            select(CrmCreation.status, func.count()).where(*where).group_by(CrmCreation.status)
        ).all()
    )
    error = session.scalar(
        select(CrmCreation.last_error)
        .where(*where, CrmCreation.status == "pending", CrmCreation.last_error.is_not(None))
        .limit(1)
    )
    return counts.get("done", 0), sum(counts.values()), error


def create_missing(workspace_id: str, tenant_id: str, user_id: int | None = None) -> int:
    """The job: create and link each pending one; returns how many it finished this run."""
    from widget.connection.service import client_for

    session, scope = get_session(), Scope(workspace_id, tenant_id)
    user = session.get(User, user_id) if user_id is not None else None
    pending = list(
        session.scalars(
            select(CrmCreation)
            .where(
                CrmCreation.workspace_id == workspace_id,
                CrmCreation.tenant_id == tenant_id,
                CrmCreation.status == "pending",
            )
            .order_by(CrmCreation.crm_id)
        )
    )
    if not pending:
        return 0
    client = client_for(workspace_id)
    if client.tenant_id != tenant_id:  # another organisation is connected now: not for it
        log.info("crm creations left: another organisation is connected")
        return 0
    finished = 0
    for creation in pending:
        _create_one(session, client, scope, creation, user)
        session.commit()
        finished += 1
    return finished


def _create_one(session: Session, client, scope: Scope, creation: CrmCreation, user) -> None:
    key = links.LinkKey(scope.workspace_id, scope.tenant_id, creation.crm_id)
    crm = session.get(CrmContact, (scope.workspace_id, creation.crm_id))
    existing = links.find(session, key)
    if crm is None or existing is not None:  # gone from the CRM, or a rep linked it meanwhile
        _done(session, scope, creation, existing.xero_contact_id if existing else None, "")
        return
    draft = ContactDraft(
        name=crm.name,
        first_name=crm.first_name or None,
        last_name=crm.last_name or None,
        email_address=crm.email or None,
    )
    created = True
    try:
        contact = client.create_contact(draft, idempotency_key=creation.idempotency_key)
    except XeroValidationError as refused:
        contact, created = _same_name(client, crm.name), False
        if contact is None:
            _stop(session, creation, f"Xero refused {crm.name}: {refused}", refused)
    except (XeroError, TimeoutError) as exc:
        _stop(session, creation, f"Xero did not answer for {crm.name}; it is tried again", exc)
    if created:
        links.record_created_contact(session, key, contact.contact_id, contact.name, user)
    links.link(session, key, contact.contact_id, contact.name, user)
    _done(session, scope, creation, contact.contact_id, contact.name)
    session.commit()  # before the mirror's own session writes (SQLite: one writer at a time)
    _into_mirror(scope, contact)


def _same_name(client, name: str):
    """The contact Xero already has with this name (ours, if an earlier answer was lost)."""
    found = [c for c in client.contacts(name=name).items if c.name.casefold() == name.casefold()]
    return found[0] if found else None


def _stop(session: Session, creation: CrmCreation, message: str, exc: Exception):
    """Record why (for the admin's progress line), commit, and stop the run."""
    creation.last_error = message[:500]
    creation.updated_at = utcnow()
    session.commit()
    raise exc


def _done(session, scope: Scope, creation: CrmCreation, contact_id, name: str) -> None:
    creation.status, creation.xero_contact_id = "done", contact_id
    creation.last_error, creation.updated_at = None, utcnow()
    match = session.get(CrmMatch, (scope.workspace_id, scope.tenant_id, creation.crm_id))
    if match is not None and contact_id:
        match.category, match.reason, match.confidence = matching.LINKED, "linked", 100
        match.xero_contact_id, match.xero_name = contact_id, (name or match.xero_name)[:255]


def _into_mirror(scope: Scope, contact) -> None:
    from widget.mirror import service as mirror

    try:
        mirror.note_created(scope.workspace_id, scope.tenant_id, contact)
    except Exception:  # the next sync brings it anyway
        log.exception("mirror: could not note a created contact")
