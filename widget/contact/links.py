"""Links between CRM contacts and Xero contacts, audited, scoped by workspace AND organisation.

Every function takes the workspace and the Xero tenant: a link made under one organisation is
invisible under another, and nothing crosses workspaces. The caller commits, so each change and its
audit entry land together (see widget.auth.audit).
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.clock import utcnow
from widget.auth.models import AuditEntry, User
from widget.contact.models import ContactLink


@dataclass(frozen=True)
class LinkKey:
    """Whose link: one CRM contact (or company), as seen from one workspace's connected
    organisation."""

    workspace_id: str
    tenant_id: str
    crm_contact_id: str
    record_type: str = "contact"
    #: the CRM record's name as the token gave it: only for the audit log's sentences
    crm_name: str = field(default="", compare=False)


def find(session: Session, key: LinkKey) -> ContactLink | None:
    return session.scalars(
        select(ContactLink).where(
            ContactLink.workspace_id == key.workspace_id,
            ContactLink.tenant_id == key.tenant_id,
            ContactLink.record_type == key.record_type,
            ContactLink.crm_contact_id == key.crm_contact_id,
        )
    ).first()


def link(
    session: Session,
    key: LinkKey,
    xero_contact_id: str,
    xero_name: str,
    user: User | None,
    *,
    retry: bool = True,
) -> ContactLink:
    """Link (or re-link) the CRM contact to a Xero contact; audited as link.create/link.change."""
    row = find(session, key)
    previous = row.xero_contact_id if row is not None else None
    if row is None:
        row = ContactLink(
            workspace_id=key.workspace_id,
            tenant_id=key.tenant_id,
            record_type=key.record_type,
            crm_contact_id=key.crm_contact_id,
        )
        session.add(row)
    row.xero_contact_id = xero_contact_id
    row.xero_contact_name = (xero_name or "")[:255]
    row.linked_by_user_id = user.id if user is not None else None
    row.linked_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # the same CRM contact linked at the same moment by another request
        session.rollback()
        if not retry:
            raise
        return link(session, key, xero_contact_id, xero_name, user, retry=False)
    details = _details(key) | {"xero_contact_name": row.xero_contact_name}
    if previous and previous != xero_contact_id:
        details["previous_xero_contact_id"] = previous
    action = "link.change" if previous and previous != xero_contact_id else "link.create"
    audit.record(session, key.workspace_id, user, action, xero_contact_id, **details)
    return row


def unlink(session: Session, key: LinkKey, user: User | None) -> str | None:
    """Remove the link; returns the Xero contact id it pointed to (None if there was none)."""
    entry = remove(session, key, user)
    return entry.subject if entry is not None else None


def remove(session: Session, key: LinkKey, user: User | None) -> AuditEntry | None:
    """Remove the link, audited as link.remove with what Undo needs to put the same link back
    (`restore`); returns that entry (None: there was no link)."""
    row = find(session, key)
    if row is None:
        return None
    facts = {
        "xero_contact_name": row.xero_contact_name,
        "linked_by_user_id": row.linked_by_user_id,
        "linked_at": row.linked_at.isoformat() if row.linked_at else None,
    }
    session.delete(row)
    return audit.record(
        session,
        key.workspace_id,
        user,
        "link.remove",
        row.xero_contact_id,
        **_details(key),
        **facts,
    )


def restore(session: Session, key: LinkKey, removed: AuditEntry, user: User | None) -> ContactLink:
    """Put back the link a link.remove entry took away: the same Xero contact, name, linker and
    time; audited as link.restore (naming the entry it undoes). The caller checked who may."""
    details = removed.details or {}
    linked_at = details.get("linked_at")
    linker = details.get("linked_by_user_id")
    if linker is not None and session.get(User, linker) is None:
        linker = None  # removed from the workspace since
    row = ContactLink(
        workspace_id=key.workspace_id,
        tenant_id=key.tenant_id,
        record_type=key.record_type,
        crm_contact_id=key.crm_contact_id,
        xero_contact_id=removed.subject,
        xero_contact_name=str(details.get("xero_contact_name") or "")[:255],
        linked_by_user_id=linker,
        linked_at=datetime.fromisoformat(linked_at) if linked_at else utcnow(),
    )
    session.add(row)
    session.flush()  # the unique key: a link made meanwhile raises IntegrityError here
    audit.record(
        session,
        key.workspace_id,
        user,
        "link.restore",
        removed.subject,
        undoes=removed.id,
        xero_contact_name=row.xero_contact_name,
        **_details(key),
    )
    return row


def rename(session: Session, row: ContactLink, name: str) -> None:
    """Keep the stored name in step with Xero's (seen in fetched documents); not audited."""
    if name and row.xero_contact_name != name[:255]:
        row.xero_contact_name = name[:255]


def record_created_contact(
    session: Session, key: LinkKey, contact_id: str, name: str, user: User | None
) -> None:
    """Audit a Xero contact created from the panel (the link gets its own entry)."""
    audit.record(
        session,
        key.workspace_id,
        user,
        "contact.create",
        contact_id,
        name=name,
        **_details(key),
    )


def _details(key: LinkKey) -> dict:
    """Who the audit entry is about (a company's links say so; contacts' stay as they were)."""
    details = {"crm_contact_id": key.crm_contact_id, "tenant_id": key.tenant_id}
    if key.record_type != "contact":
        details["record_type"] = key.record_type
    if key.crm_name:
        details["crm_contact_name"] = key.crm_name[:200]
    return details
