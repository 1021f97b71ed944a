"""Following merged contacts: when Xero merges A into B it archives A with MergedToContactID = B
and moves A's documents to B. A CRM record linked to A would then show nothing, so its link moves
to B (audited), and a notice waits for the panel to tell the rep once.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.clock import utcnow
from widget.contact.models import ContactLink
from widget.mirror.models import MergeNotice, MirrorContact
from widget.xero.models import Contact

#: merges of merges are followed this far (Xero allows chains; a loop must not spin)
MAX_HOPS = 5


def follow_merges(
    session: Session, workspace_id: str, tenant_id: str, contacts: Iterable[Contact]
) -> int:
    """Relink every link to a merged contact in this page to its survivor; returns how many."""
    moved = 0
    for contact in contacts:
        if not contact.merged_to_contact_id:
            continue
        survivor_id = _survivor(session, workspace_id, tenant_id, contact.merged_to_contact_id)
        if survivor_id == contact.contact_id:
            continue
        survivor_name = _name(session, workspace_id, tenant_id, survivor_id)
        links = session.scalars(
            select(ContactLink).where(
                ContactLink.workspace_id == workspace_id,
                ContactLink.tenant_id == tenant_id,
                ContactLink.xero_contact_id == contact.contact_id,
            )
        ).all()
        for link in links:
            _relink(session, link, contact, survivor_id, survivor_name)
            moved += 1
    return moved


def _relink(
    session: Session, link: ContactLink, merged: Contact, survivor_id: str, survivor_name: str
) -> None:
    audit.record(
        session,
        link.workspace_id,
        None,
        "contact.relinked_after_merge",
        f"{link.record_type} {link.crm_contact_id}",
        xero_contact_id=merged.contact_id,
        xero_contact_name=merged.name,
        survivor_contact_id=survivor_id,
        survivor_contact_name=survivor_name,
    )
    session.add(
        MergeNotice(
            workspace_id=link.workspace_id,
            tenant_id=link.tenant_id,
            record_type=link.record_type,
            crm_record_id=link.crm_contact_id,
            merged_contact_id=merged.contact_id,
            merged_contact_name=merged.name[:255],
            survivor_contact_id=survivor_id,
            survivor_contact_name=survivor_name[:255],
            created_at=utcnow(),
        )
    )
    link.xero_contact_id = survivor_id
    if survivor_name:
        link.xero_contact_name = survivor_name[:255]


def _survivor(session: Session, workspace_id: str, tenant_id: str, contact_id: str) -> str:
    """The end of a merge chain, as far as the mirror knows it."""
    seen = {contact_id}
    for _ in range(MAX_HOPS):
        onward = session.scalar(
            select(MirrorContact.merged_to_contact_id).where(
                MirrorContact.workspace_id == workspace_id,
                MirrorContact.tenant_id == tenant_id,
                MirrorContact.contact_id == contact_id,
            )
        )
        if not onward or onward in seen:
            return contact_id
        seen.add(onward)
        contact_id = onward
    return contact_id


def _name(session: Session, workspace_id: str, tenant_id: str, contact_id: str) -> str:
    return (
        session.scalar(
            select(MirrorContact.name).where(
                MirrorContact.workspace_id == workspace_id,
                MirrorContact.tenant_id == tenant_id,
                MirrorContact.contact_id == contact_id,
            )
        )
        or ""
    )


def take_notice(
    session: Session, workspace_id: str, tenant_id: str, record_type: str, crm_record_id: str
) -> MergeNotice | None:
    """The oldest merge notice not yet shown for this CRM record, marked shown (so a rep is told
    once even when two panels open at the same moment: the conditional UPDATE decides)."""
    notices = session.scalars(
        select(MergeNotice)
        .where(
            MergeNotice.workspace_id == workspace_id,
            MergeNotice.tenant_id == tenant_id,
            MergeNotice.record_type == record_type,
            MergeNotice.crm_record_id == crm_record_id,
            MergeNotice.told_at.is_(None),
        )
        .order_by(MergeNotice.id)
    ).all()
    for notice in notices:
        taken = session.execute(
            update(MergeNotice)
            .where(MergeNotice.id == notice.id, MergeNotice.told_at.is_(None))
            .values(told_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            session.commit()
            return notice
    session.commit()
    return None
