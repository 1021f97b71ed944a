"""The mirror's tables. Every row is keyed by (workspace, tenant): nothing crosses organisations
or workspaces, and a workspace that reconnects an organisation finds its copy again.

Money is stored as decimal text (`DecimalText`) so SQLite and PostgreSQL give back the exact
`Decimal` Xero sent; sums happen in Python (widget.summary), never in SQL floats.
`xero_updated_at` is Xero's `UpdatedDateUTC` (milliseconds kept): the incremental sync's cursor.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base


class DecimalText(TypeDecorator):
    """A Decimal kept as its exact text (SQLite has no decimal type; floats lose cents)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        return str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


def _workspace() -> Mapped[str]:
    return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)


def _tenant() -> Mapped[str]:
    return mapped_column(String(64), primary_key=True)


class MirrorState(Base):
    """One organisation's mirror for one workspace: how far the first sync got, when the mirror
    was last brought up to date, and the lease that keeps syncs one at a time."""

    __tablename__ = "mirror_states"

    workspace_id: Mapped[str] = _workspace()
    tenant_id: Mapped[str] = _tenant()
    #: "first_sync" (reading everything; panels fall back to per-contact fetches), "ready",
    #: "failed" (first sync stopped; `last_error` says why; it resumes from `cursor`)
    status: Mapped[str] = mapped_column(String(16), default="first_sync")
    #: per resource ("contacts", "invoices", "quotes", "credit_notes"): the first sync's next
    #: page and whether it is done, and the incremental cursor (newest UpdatedDateUTC seen)
    cursor: Mapped[dict] = mapped_column(JSON, default=dict)
    documents_read: Mapped[int] = mapped_column(Integer, default=0)
    #: Xero's own item counts from the first page of each resource (the progress bar's "about")
    documents_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_sync_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_sync_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: when the mirror was last known to match Xero (the end of the last successful sync)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: a sync holds the lease until this time (a crashed holder's lease simply runs out)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: bumped by each lease taken, so a holder whose lease ran out cannot write (fencing)
    lease_token: Mapped[int] = mapped_column(Integer, default=0)


class MirrorContact(Base):
    __tablename__ = "mirror_contacts"
    __table_args__ = (
        Index("ix_mirror_contacts_email", "workspace_id", "tenant_id", "email_key"),
        Index("ix_mirror_contacts_name", "workspace_id", "tenant_id", "name_key"),
        Index("ix_mirror_contacts_updated", "workspace_id", "tenant_id", "xero_updated_at"),
    )

    workspace_id: Mapped[str] = _workspace()
    tenant_id: Mapped[str] = _tenant()
    contact_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email_address: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: search keys: casefolded, accents stripped (widget.suggest.normalise_name)
    name_key: Mapped[str] = mapped_column(String(255), default="")
    email_key: Mapped[str] = mapped_column(String(255), default="")
    #: ACTIVE or ARCHIVED (a merged contact is archived and names its survivor)
    contact_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_supplier: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_to_contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    contact_number: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: [{"first_name", "last_name", "email_address"}] (Xero allows up to 5)
    contact_persons: Mapped[list] = mapped_column(JSON, default=list)
    xero_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MirrorInvoice(Base):
    """Sales invoices (ACCREC) and bills (ACCPAY), every status (voided/deleted kept)."""

    __tablename__ = "mirror_invoices"
    __table_args__ = (
        Index("ix_mirror_invoices_contact", "workspace_id", "tenant_id", "contact_id", "status"),
        Index("ix_mirror_invoices_updated", "workspace_id", "tenant_id", "xero_updated_at"),
    )

    workspace_id: Mapped[str] = _workspace()
    tenant_id: Mapped[str] = _tenant()
    invoice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(8))
    invoice_number: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    currency_code: Mapped[str | None] = mapped_column(String(3), nullable=True)
    currency_rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    sub_total: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total_tax: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    amount_due: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    amount_paid: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    amount_credited: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    fully_paid_on_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    xero_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MirrorQuote(Base):
    __tablename__ = "mirror_quotes"
    __table_args__ = (
        Index("ix_mirror_quotes_contact", "workspace_id", "tenant_id", "contact_id", "status"),
        Index("ix_mirror_quotes_updated", "workspace_id", "tenant_id", "xero_updated_at"),
    )

    workspace_id: Mapped[str] = _workspace()
    tenant_id: Mapped[str] = _tenant()
    quote_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    quote_number: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    currency_code: Mapped[str | None] = mapped_column(String(3), nullable=True)
    currency_rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    sub_total: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total_tax: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    xero_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MirrorCreditNote(Base):
    """Credit notes to customers (ACCRECCREDIT) and from suppliers (ACCPAYCREDIT)."""

    __tablename__ = "mirror_credit_notes"
    __table_args__ = (
        Index(
            "ix_mirror_credit_notes_contact", "workspace_id", "tenant_id", "contact_id", "status"
        ),
        Index("ix_mirror_credit_notes_updated", "workspace_id", "tenant_id", "xero_updated_at"),
    )

    workspace_id: Mapped[str] = _workspace()
    tenant_id: Mapped[str] = _tenant()
    credit_note_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    credit_note_number: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    currency_code: Mapped[str | None] = mapped_column(String(3), nullable=True)
    currency_rate: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    total: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    remaining_credit: Mapped[Decimal | None] = mapped_column(DecimalText, nullable=True)
    xero_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEvent(Base):
    """Webhook events already taken (Xero may deliver one twice): the digest of each event."""

    __tablename__ = "mirror_webhook_events"

    event_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MergeNotice(Base):
    """A CRM record whose linked Xero contact was merged into another: the link now points to the
    survivor, and the panel tells the rep once (`told_at` is set when it has)."""

    __tablename__ = "mirror_merge_notices"
    __table_args__ = (
        Index("ix_mirror_merge_notices_record", "workspace_id", "tenant_id", "crm_record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(20))
    crm_record_id: Mapped[str] = mapped_column(String(200))
    merged_contact_id: Mapped[str] = mapped_column(String(36))
    merged_contact_name: Mapped[str] = mapped_column(String(255), default="")
    survivor_contact_id: Mapped[str] = mapped_column(String(36))
    survivor_contact_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
