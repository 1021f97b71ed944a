"""The CRM's contacts as it pushed or uploaded them, and the request signatures already used.

Contacts are keyed by (workspace, CRM contact id): pushing the same contact again updates it in
place (or changes nothing), so a re-sent batch is harmless. Users pushed by the CRM live in the
`users` table itself (widget.auth.models.User), where launches find them.
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base


class CrmContact(Base):
    __tablename__ = "crm_contacts"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    crm_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    company: Mapped[str] = mapped_column(String(255), default="")
    #: how it last changed: "api" or "csv"
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UsedSignature(Base):
    """Signed server-to-server requests already received (SHA-256 of the signature), kept for
    the window in which their timestamp would still be accepted: a replay finds its row."""

    __tablename__ = "crm_used_signatures"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    signature_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CrmMatch(Base):
    """The latest matching's proposal for one CRM contact against one organisation's mirror
    (widget.crm.matching), until the admin accepts it (then the link is the truth)."""

    __tablename__ = "crm_matches"
    __table_args__ = (Index("ix_crm_matches_category", "workspace_id", "tenant_id", "category"),)

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    crm_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: "exact", "likely", "none" or "linked"
    category: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16), default="")
    confidence: Mapped[int] = mapped_column(Integer, default=0)
    xero_contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    xero_name: Mapped[str] = mapped_column(String(255), default="")
    #: [{"contact_id", "name"}]: other Xero contacts that matched as well
    alternatives: Mapped[list] = mapped_column(JSON, default=list)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrmCreation(Base):
    """A Xero contact to create for a CRM contact nothing matched: claimed when the admin asks
    (so the progress bar knows the total), done once linked. The Idempotency-Key is fixed per
    CRM contact, so a retry or a second run can never create a second Xero contact for it."""

    __tablename__ = "crm_creations"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    crm_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: "pending" (to create), "done" (created, or found, and linked)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    xero_contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
