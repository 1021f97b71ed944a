"""Contact links: which Xero contact each CRM contact is linked to, per workspace and organisation.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("crm_contact_id", sa.String(length=200), nullable=False),
        sa.Column("xero_contact_id", sa.String(length=36), nullable=False),
        sa.Column("xero_contact_name", sa.String(length=255), nullable=False),
        sa.Column("linked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["linked_by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "tenant_id", "crm_contact_id", name="uq_contact_link"),
    )
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_links_xero", ["workspace_id", "tenant_id", "xero_contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_links_xero")
    op.drop_table("contact_links")
