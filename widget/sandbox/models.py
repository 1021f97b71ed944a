"""The sandbox's own tables: a stand-in for Xero's storage, never part of the widget's schema.

They hang off a MetaData of their own (not `widget.db.Base`), so Alembic never sees them; the
sandbox creates them on start and drops them on reset. Every Xero document (contact, invoice,
quote, account, ...) is one `Document` row: indexed key columns for filtering plus the full Xero
JSON in `body`, so reads filter in SQL and decode only the page they return.
"""

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class SandboxBase(DeclarativeBase):
    pass


class Organisation(SandboxBase):
    __tablename__ = "sb_organisations"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class Document(SandboxBase):
    __tablename__ = "sb_documents"
    __table_args__ = (
        Index("ix_sb_doc_status_updated", "tenant_id", "kind", "status", "updated_at", "doc_id"),
        Index("ix_sb_doc_contact", "tenant_id", "kind", "contact_id"),
        Index("ix_sb_doc_name", "tenant_id", "kind", "name_lc"),
        Index("ix_sb_doc_email", "tenant_id", "kind", "email_lc"),
        Index("ix_sb_doc_number", "tenant_id", "kind", "number"),
        Index("ix_sb_doc_position", "tenant_id", "kind", "position"),
        # Xero's default order and If-Modified-Since: oldest-updated first, then the id
        Index("ix_sb_doc_updated", "tenant_id", "kind", "updated_at", "doc_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    contact_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    name_lc: Mapped[str | None] = mapped_column(String(255))
    email_lc: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(255))
    search_text: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    #: AmountDue in the organisation's base currency (invoices), for contact balances.
    amount_due_base: Mapped[float | None] = mapped_column(Float)
    #: UpdatedDateUTC (naive UTC, milliseconds), maintained on every change.
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    body: Mapped[str] = mapped_column(Text)


class Counter(SandboxBase):
    """Next document numbers (INV-0001, QU-0001) per organisation."""

    __tablename__ = "sb_counters"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class AuthCode(SandboxBase):
    __tablename__ = "sb_auth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(255))
    tenant_ids: Mapped[str] = mapped_column(Text)  # comma-separated
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Grant(SandboxBase):
    """One consent: a user allowed an app some organisations (Xero's "auth event")."""

    __tablename__ = "sb_grants"

    grant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Connection(SandboxBase):
    __tablename__ = "sb_connections"

    connection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(36), index=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Token(SandboxBase):
    """An access or refresh token, by the SHA-256 of its value (never the value itself)."""

    __tablename__ = "sb_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "access" | "refresh"
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: For a refresh token: when it was first exchanged (the grace period runs from here).
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Fault(SandboxBase):
    """Faults switched on for one organisation (shared by the server, the CLI and tests)."""

    __tablename__ = "sb_faults"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    error_rate: Mapped[float] = mapped_column(Float, default=0.0)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    #: Forced 429s: how many calls are left to refuse (-1 = always), and which problem to report.
    force_429: Mapped[int] = mapped_column(Integer, default=0)
    force_429_problem: Mapped[str] = mapped_column(String(20), default="minute")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "Commit then fail" for writes: 500, 503 or "timeout"; how many writes left (-1 = always).
    commit_then_fail: Mapped[str | None] = mapped_column(String(10))
    commit_then_fail_count: Mapped[int] = mapped_column(Integer, default=0)
    timeout_ms: Mapped[int] = mapped_column(Integer, default=0)


class IdempotentResponse(SandboxBase):
    __tablename__ = "sb_idempotency"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[int | None] = mapped_column(Integer)  # None while the first call is running
    body: Mapped[str | None] = mapped_column(Text)


class Setting(SandboxBase):
    """Switches set at run time by the CLI or `_control` (shared by processes), e.g. webhooks."""

    __tablename__ = "sb_settings"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
