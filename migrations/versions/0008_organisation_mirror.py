"""The organisation mirror: per workspace and organisation, the contacts, invoices and bills,
quotes and credit notes the panels read, the first sync's progress and the sync lease, and the
webhook events already taken.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mirror_webhook_events",
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_key"),
    )
    op.create_table(
        "mirror_contacts",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("email_address", sa.String(length=255), nullable=True),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("email_key", sa.String(length=255), nullable=False),
        sa.Column("contact_status", sa.String(length=16), nullable=True),
        sa.Column("is_customer", sa.Boolean(), nullable=False),
        sa.Column("is_supplier", sa.Boolean(), nullable=False),
        sa.Column("merged_to_contact_id", sa.String(length=36), nullable=True),
        sa.Column("contact_number", sa.String(length=255), nullable=True),
        sa.Column("contact_persons", sa.JSON(), nullable=False),
        sa.Column("xero_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "contact_id"),
    )
    op.create_index(
        "ix_mirror_contacts_email",
        "mirror_contacts",
        ["workspace_id", "tenant_id", "email_key"],
        unique=False,
    )
    op.create_index(
        "ix_mirror_contacts_name",
        "mirror_contacts",
        ["workspace_id", "tenant_id", "name_key"],
        unique=False,
    )
    op.create_index(
        "ix_mirror_contacts_updated",
        "mirror_contacts",
        ["workspace_id", "tenant_id", "xero_updated_at"],
        unique=False,
    )
    op.create_table(
        "mirror_credit_notes",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("credit_note_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("credit_note_number", sa.String(length=255), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("currency_rate", sa.String(length=40), nullable=True),
        sa.Column("total", sa.String(length=40), nullable=True),
        sa.Column("remaining_credit", sa.String(length=40), nullable=True),
        sa.Column("xero_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "credit_note_id"),
    )
    op.create_index(
        "ix_mirror_credit_notes_contact",
        "mirror_credit_notes",
        ["workspace_id", "tenant_id", "contact_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_mirror_credit_notes_updated",
        "mirror_credit_notes",
        ["workspace_id", "tenant_id", "xero_updated_at"],
        unique=False,
    )
    op.create_table(
        "mirror_invoices",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("invoice_number", sa.String(length=255), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("currency_rate", sa.String(length=40), nullable=True),
        sa.Column("sub_total", sa.String(length=40), nullable=True),
        sa.Column("total_tax", sa.String(length=40), nullable=True),
        sa.Column("total", sa.String(length=40), nullable=True),
        sa.Column("amount_due", sa.String(length=40), nullable=True),
        sa.Column("amount_paid", sa.String(length=40), nullable=True),
        sa.Column("amount_credited", sa.String(length=40), nullable=True),
        sa.Column("fully_paid_on_date", sa.Date(), nullable=True),
        sa.Column("xero_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "invoice_id"),
    )
    op.create_index(
        "ix_mirror_invoices_contact",
        "mirror_invoices",
        ["workspace_id", "tenant_id", "contact_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_mirror_invoices_updated",
        "mirror_invoices",
        ["workspace_id", "tenant_id", "xero_updated_at"],
        unique=False,
    )
    op.create_table(
        "mirror_quotes",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("quote_number", sa.String(length=255), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("currency_code", sa.String(length=3), nullable=True),
        sa.Column("currency_rate", sa.String(length=40), nullable=True),
        sa.Column("sub_total", sa.String(length=40), nullable=True),
        sa.Column("total_tax", sa.String(length=40), nullable=True),
        sa.Column("total", sa.String(length=40), nullable=True),
        sa.Column("xero_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "quote_id"),
    )
    op.create_index(
        "ix_mirror_quotes_contact",
        "mirror_quotes",
        ["workspace_id", "tenant_id", "contact_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_mirror_quotes_updated",
        "mirror_quotes",
        ["workspace_id", "tenant_id", "xero_updated_at"],
        unique=False,
    )
    op.create_table(
        "mirror_states",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("documents_read", sa.Integer(), nullable=False),
        sa.Column("documents_expected", sa.Integer(), nullable=True),
        sa.Column("first_sync_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_sync_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id"),
    )
    op.create_table(
        "mirror_merge_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("crm_record_id", sa.String(length=200), nullable=False),
        sa.Column("merged_contact_id", sa.String(length=36), nullable=False),
        sa.Column("merged_contact_name", sa.String(length=255), nullable=False),
        sa.Column("survivor_contact_id", sa.String(length=36), nullable=False),
        sa.Column("survivor_contact_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_mirror_merge_notices_record",
        "mirror_merge_notices",
        ["workspace_id", "tenant_id", "crm_record_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "mirror_merge_notices",
        "mirror_credit_notes",
        "mirror_quotes",
        "mirror_invoices",
        "mirror_contacts",
        "mirror_states",
        "mirror_webhook_events",
    ):
        op.drop_table(table)
