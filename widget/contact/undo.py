"""Unlink with Undo (contact and company panels): the panel says what happened and offers Undo
for a few seconds; Undo puts back the very link that was removed (same Xero contact, name, who
linked it and when), audited as link.restore.

What Undo may restore is read from the audit log's link.remove entry, not from the request: the
form only names the entry, and it must be this workspace's and organisation's, about this CRM
record, removed by this user, recently. Nothing to sign, nothing a forged form can widen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.clock import as_utc, utcnow
from widget.auth.models import AuditEntry, User
from widget.contact import links
from widget.contact.models import ContactLink

#: how long the panel offers Undo (`UNLINK_UNDO_SECONDS`)
UNDO_SECONDS = 10
#: how much longer the server still accepts it (a slow network, a press at the last moment)
GRACE_SECONDS = 20


@dataclass(frozen=True)
class Unlinked:
    """An Unlink just done: the audit entry Undo names, and the Xero contact's name."""

    entry_id: int
    xero_contact_name: str


class CannotUndo(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def unlink(session: Session, key: links.LinkKey, user: User | None) -> Unlinked | None:
    entry = links.remove(session, key, user)
    if entry is None:
        return None
    session.flush()  # the entry's id, for the Undo form
    return Unlinked(entry.id, (entry.details or {}).get("xero_contact_name") or "")


def undo(session: Session, key: links.LinkKey, user: User, entry_id: str) -> ContactLink:
    """Restore the link the entry removed, or say why not (CannotUndo: message and status)."""
    entry = _entry(session, key, user, entry_id)
    if as_utc(entry.created_at) + timedelta(seconds=offered() + GRACE_SECONDS) < utcnow():
        raise CannotUndo("Too late to undo: link the contact again from the suggestions.", 409)
    current = links.find(session, key)
    if current is not None:
        if current.xero_contact_id == entry.subject:
            return current  # undone already (a double press)
        raise CannotUndo("Linked to another Xero contact meanwhile: nothing was undone.", 409)
    try:
        return links.restore(session, key, entry, user)
    except IntegrityError:  # linked by another request at this very moment
        session.rollback()
        raise CannotUndo("Linked again meanwhile: nothing was undone.", 409) from None


def offered() -> int:
    return int(current_app.config.get("UNLINK_UNDO_SECONDS", UNDO_SECONDS))


def unlinked_notice(done: Unlinked | None, target: str, action: str, body: str) -> str:
    """The out-of-band notice beside the panel: what happened, and Undo (empty: nothing was
    unlinked). `action` is the Undo route, `body` what its answer replaces."""
    if done is None:
        return ""
    return render_template(
        "contact/_unlinked_notice.html",
        target=target,
        action=action,
        body=body,
        done=done,
        seconds=offered(),
    )


def restored_notice(link: ContactLink, target: str) -> str:
    return render_template("contact/_restored_notice.html", target=target, link=link)


def _entry(session: Session, key: links.LinkKey, user: User, entry_id: str) -> AuditEntry:
    nothing = CannotUndo("There is nothing to undo.", 404)
    try:
        number = int(str(entry_id).strip())
    except ValueError:
        raise nothing from None
    if not 0 < number < 2**31:
        raise nothing
    entry = session.get(AuditEntry, number)
    details = (entry.details or {}) if entry is not None else {}
    if (
        entry is None
        or entry.workspace_id != key.workspace_id
        or entry.action != "link.remove"
        or entry.user_id != user.id
        or details.get("tenant_id") != key.tenant_id
        or details.get("crm_contact_id") != key.crm_contact_id
        or details.get("record_type", "contact") != key.record_type
    ):
        raise nothing
    return entry
