"""Company links and deal documents.

A CRM company links to a Xero contact like a CRM contact does, in the same table: links now say
which kind of CRM record they are for (`record_type`, "contact" for every existing row), and one
link is allowed per record of each kind (a company and a person may share a CRM id).
Deal documents: the quotes and invoices a rep picked for a CRM deal, kept apart from links so
unlinking a contact leaves them with the deal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_type", sa.String(length=20), nullable=False, server_default="contact")
        )
        batch_op.drop_constraint("uq_contact_link", type_="unique")
        batch_op.create_unique_constraint(
            "uq_contact_link", ["workspace_id", "tenant_id", "record_type", "crm_contact_id"]
        )

    op.create_table(
        "deal_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=200), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("xero_contact_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("picked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["picked_by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "workspace_id",
            "tenant_id",
            "crm_deal_id",
            "document_type",
            "document_id",
            name="uq_deal_document",
        ),
    )
    with op.batch_alter_table("deal_documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deal_documents_deal", ["workspace_id", "tenant_id", "crm_deal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deal_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_documents_deal")
    op.drop_table("deal_documents")
    # the old key cannot hold company links beside contact links of the same CRM id
    op.execute("DELETE FROM contact_links WHERE record_type <> 'contact'")
    with op.batch_alter_table("contact_links", schema=None) as batch_op:
        batch_op.drop_constraint("uq_contact_link", type_="unique")
        batch_op.create_unique_constraint(
            "uq_contact_link", ["workspace_id", "tenant_id", "crm_contact_id"]
        )
        batch_op.drop_column("record_type")
