"""Tenancy and access tables: workspaces, users and grants, launch-token replay, sessions, audit.

Every row that belongs to a CRM account carries `workspace_id`, and every query that reads one must
filter on it: nothing ever crosses workspaces.
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from widget.db import Base

ACCESS_LEVELS = ("none", "view", "edit")


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: space-separated CRM origins allowed to frame the widget, e.g. "https://crm.example.com"
    allowed_origins: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    secrets: Mapped[list["WorkspaceSecret"]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", order_by="WorkspaceSecret.id"
    )


class WorkspaceSecret(Base):
    """A launch-token signing secret: the newest is current, older ones work until retired."""

    __tablename__ = "workspace_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    #: encrypted at rest (widget.crypto), never logged
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    workspace: Mapped[Workspace] = relationship(back_populates="secrets")


class User(Base):
    """A CRM user of one workspace, created on first launch (or added beforehand by an admin or by
    the CRM's user push, so a grant is ready when they first launch); `access` is the grant."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "crm_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    crm_user_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    #: what the latest launch token said; admins always have edit
    is_admin: Mapped[bool] = mapped_column(default=False)
    access: Mapped[str] = mapped_column(String(8), default="none")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the first launch; None for someone an admin or the CRM added who has not opened a panel yet
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UsedLaunchToken(Base):
    """`jti`s already spent, kept until their token would have expired anyway."""

    __tablename__ = "used_launch_tokens"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PanelSession(Base):
    """The widget's own session after a launch, carried in a request header (no cookies needed)."""

    __tablename__ = "panel_sessions"

    #: SHA-256 of the session token; the token itself is only ever in the panel page
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    panel: Mapped[str] = mapped_column(String(16))
    #: the record from the launch token (type, id, name, email, associated contacts, …)
    record: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship(lazy="joined")
    workspace: Mapped[Workspace] = relationship(lazy="joined")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_workspace_time", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    #: the acting user (None for the CLI / system)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    #: what was acted on: a user id, a Xero tenant/contact/document id, …
    subject: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
