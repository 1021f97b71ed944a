"""Which Xero quotes and invoices belong to a CRM deal: the rep's picks.

Keyed by (workspace, Xero organisation, CRM deal, document): like links, picks belong to one
organisation, so connecting another hides them and reconnecting brings them back. A pick does not
depend on any link: unlinking a contact later leaves the deal's documents with the deal (the Xero
contact is kept on the pick, so its documents can still be fetched).
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base

QUOTE = "quote"
INVOICE = "invoice"
DOCUMENT_TYPES = (QUOTE, INVOICE)


class DealDocument(Base):
    __tablename__ = "deal_documents"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "tenant_id",
            "crm_deal_id",
            "document_type",
            "document_id",
            name="uq_deal_document",
        ),
        Index("ix_deal_documents_deal", "workspace_id", "tenant_id", "crm_deal_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    crm_deal_id: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(10))  # "quote" | "invoice"
    document_id: Mapped[str] = mapped_column(String(36))
    #: the document's Xero contact when picked: its documents are fetched to find this one
    xero_contact_id: Mapped[str] = mapped_column(String(36))
    #: the number when picked, to name a document Xero no longer returns
    number: Mapped[str] = mapped_column(String(255), default="")
    #: "picked" from the list, or "created" from the deal panel
    source: Mapped[str] = mapped_column(String(10), default="picked")
    picked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    picked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
