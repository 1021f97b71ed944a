"""The documents picked for a deal: add, remove, list; audited, scoped by workspace AND Xero
organisation (like links). The caller commits, so a pick and its audit entry land together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.clock import utcnow
from widget.auth.models import User
from widget.deal.models import DOCUMENT_TYPES, DealDocument


@dataclass(frozen=True)
class DealKey:
    """Whose picks: one CRM deal, as seen from one workspace's connected organisation."""

    workspace_id: str
    tenant_id: str
    crm_deal_id: str


def picks(session: Session, key: DealKey) -> list[DealDocument]:
    """The deal's documents, in the order they were added."""
    return list(
        session.scalars(
            select(DealDocument)
            .where(
                DealDocument.workspace_id == key.workspace_id,
                DealDocument.tenant_id == key.tenant_id,
                DealDocument.crm_deal_id == key.crm_deal_id,
            )
            .order_by(DealDocument.picked_at, DealDocument.id)
        )
    )


def add(
    session: Session,
    key: DealKey,
    document_type: str,
    document_id: str,
    *,
    xero_contact_id: str,
    number: str,
    user: User | None,
    source: str = "picked",
) -> bool:
    """Add a document to the deal (audited as deal.document.add); False if it already was."""
    if document_type not in DOCUMENT_TYPES:
        raise ValueError(f"a deal holds quotes and invoices, not {document_type!r}")
    if _find(session, key, document_type, document_id) is not None:
        return False
    session.add(
        DealDocument(
            workspace_id=key.workspace_id,
            tenant_id=key.tenant_id,
            crm_deal_id=key.crm_deal_id,
            document_type=document_type,
            document_id=document_id.lower(),
            xero_contact_id=xero_contact_id.lower(),
            number=(number or "")[:255],
            source=source,
            picked_by_user_id=user.id if user is not None else None,
            picked_at=utcnow(),
        )
    )
    try:
        session.flush()
    except IntegrityError:  # the same document added at the same moment by another request
        session.rollback()
        return False
    _audit(session, key, user, "deal.document.add", document_type, document_id, number, source)
    return True


def remove(
    session: Session, key: DealKey, document_type: str, document_id: str, user: User | None
) -> bool:
    """Take a document off the deal (audited as deal.document.remove); False if it was not on."""
    row = _find(session, key, document_type, document_id)
    if row is None:
        return False
    session.delete(row)
    _audit(session, key, user, "deal.document.remove", document_type, document_id, row.number)
    return True


def _find(session: Session, key: DealKey, document_type: str, document_id: str):
    return session.scalars(
        select(DealDocument).where(
            DealDocument.workspace_id == key.workspace_id,
            DealDocument.tenant_id == key.tenant_id,
            DealDocument.crm_deal_id == key.crm_deal_id,
            DealDocument.document_type == document_type,
            DealDocument.document_id == document_id.lower(),
        )
    ).first()


def _audit(session, key, user, action, document_type, document_id, number, source=None) -> None:
    details = {
        "crm_deal_id": key.crm_deal_id,
        "tenant_id": key.tenant_id,
        "document_type": document_type,
        "number": number or "",
    }
    if source:
        details["source"] = source
    audit.record(session, key.workspace_id, user, action, document_id.lower(), **details)
