"""Xero's remaining-call figures per organisation.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xero_organisation_usage",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("day_remaining", sa.Integer),
        sa.Column("minute_remaining", sa.Integer),
        sa.Column("app_minute_remaining", sa.Integer),
        sa.Column("last_success_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("xero_organisation_usage")
