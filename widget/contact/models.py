"""Which Xero contact a CRM contact is linked to.

Keyed by (workspace, Xero organisation, CRM record): a workspace that connects another
organisation sees none of the first one's links, and reconnecting the first brings them back. One
Xero contact per CRM contact (the unique key); several CRM contacts may share one Xero contact.
CRM companies link the same way (`record_type` "company"; the company panel, widget.company).
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base


class ContactLink(Base):
    __tablename__ = "contact_links"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "tenant_id", "record_type", "crm_contact_id", name="uq_contact_link"
        ),
        Index("ix_contact_links_xero", "workspace_id", "tenant_id", "xero_contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    #: which kind of CRM record: "contact", or "company" (a company and a person may share an id)
    record_type: Mapped[str] = mapped_column(
        String(20), default="contact", server_default="contact"
    )
    crm_contact_id: Mapped[str] = mapped_column(String(200))
    xero_contact_id: Mapped[str] = mapped_column(String(36))
    #: the name when linked (Xero's names can change; the panel shows it until figures arrive)
    xero_contact_name: Mapped[str] = mapped_column(String(255), default="")
    linked_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
