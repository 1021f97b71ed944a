"""CRM records received ahead of use: the CRM's contacts, the signatures of server-to-server
requests already received (replay protection), the latest matching of those contacts against the
mirror (proposals for the admin's review), the Xero contacts to create for those nothing matched,
and `users.launched_at`, so people added before
they ever open a panel are told apart (existing users have launched: their last launch is kept).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_contacts",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("crm_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("company", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "crm_id"),
    )
    op.create_table(
        "crm_used_signatures",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("signature_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "signature_hash"),
    )
    op.create_index(
        "ix_crm_used_signatures_expires_at", "crm_used_signatures", ["expires_at"], unique=False
    )
    op.create_table(
        "crm_matches",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("crm_id", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("xero_contact_id", sa.String(length=36), nullable=True),
        sa.Column("xero_name", sa.String(length=255), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "crm_id"),
    )
    op.create_index(
        "ix_crm_matches_category",
        "crm_matches",
        ["workspace_id", "tenant_id", "category"],
        unique=False,
    )
    op.create_table(
        "crm_creations",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("crm_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("xero_contact_id", sa.String(length=36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id", "tenant_id", "crm_id"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET launched_at = first_seen_at")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("launched_at")
    op.drop_table("crm_creations")
    op.drop_index("ix_crm_matches_category", table_name="crm_matches")
    op.drop_table("crm_matches")
    op.drop_index("ix_crm_used_signatures_expires_at", table_name="crm_used_signatures")
    op.drop_table("crm_used_signatures")
    op.drop_table("crm_contacts")
