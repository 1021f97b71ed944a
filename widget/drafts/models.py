"""What each Create press asked Xero for, under its idempotency key, and what came of it.

Xero remembers an Idempotency-Key for minutes only, and its answer can be lost (a timeout, a 5xx
after the document was saved). This table is our own memory: a second press, a retry after a
timeout, or a double click finds the key here and learns what it created, instead of creating again.
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base

#: the request is with Xero right now (another press waits for it)
PENDING = "pending"
#: Xero created the document (xero_id, number and amount are known)
CREATED = "created"
#: Xero refused it (validation): nothing was created
REFUSED = "refused"
#: Xero's answer never arrived (timeout, 5xx, 429): it may or may not exist; resend the same key
UNKNOWN = "unknown"


class DraftSubmission(Base):
    __tablename__ = "draft_submissions"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "tenant_id", "idempotency_key", name="uq_draft_submission_key"
        ),
        #: a Xero document is credited to one submission only, whichever workspace sent it
        Index("uq_draft_submission_document", "tenant_id", "xero_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))  # quote | invoice | bill
    status: Mapped[str] = mapped_column(String(8))
    xero_contact_id: Mapped[str] = mapped_column(String(36))
    crm_contact_id: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the draft exactly as first sent (JSON), so a retry resends the same request
    payload: Mapped[str] = mapped_column(Text)
    #: SHA-256 of `payload`: tells a retry of the same form from an edited one
    fingerprint: Mapped[str] = mapped_column(String(64))
    xero_id: Mapped[str | None] = mapped_column(String(36))
    number: Mapped[str | None] = mapped_column(String(255))
    #: the document's Total as Xero stored it, a decimal string in `currency_code`
    amount: Mapped[str | None] = mapped_column(String(32))
    currency_code: Mapped[str | None] = mapped_column(String(3))
    #: Xero's refusal (field_errors, general_errors) for a press that raced the refused one
    refusal: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
