"""A workspace's Xero connection: which organisation, its tokens (encrypted), and its status."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from widget.db import Base

STATUSES = ("running", "needs_reauthorisation", "disconnected")


class XeroConnection(Base):
    """At most one live connection per workspace; the row stays after Disconnect (tokens wiped)
    so that reconnecting the same organisation brings links and settings back."""

    __tablename__ = "xero_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    #: Xero's connection id (for DELETE /connections/{id})
    xero_connection_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="disconnected")
    #: the TokenSet as JSON, encrypted with widget.crypto; None once disconnected
    tokens_encrypted: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connected_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    connected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: bumped on every refresh so a racing worker can tell its token set is stale
    token_version: Mapped[int] = mapped_column(Integer, default=0)


class PendingConnect(Base):
    """An OAuth flow in progress: `state` binds it to the workspace and the admin; PKCE verifier."""

    __tablename__ = "xero_pending_connects"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_verifier_encrypted: Mapped[str] = mapped_column(Text)
    #: after the code exchange, while the admin picks an organisation: the encrypted TokenSet
    tokens_encrypted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
