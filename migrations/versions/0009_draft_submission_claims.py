"""Draft submissions: a Xero document is claimed by one submission only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00

Before this, a lookup after Xero forgot a key could credit one document to two forms. Such
later claims are released (the row goes back to "unknown", so its next press settles it again);
the audit log keeps what was recorded at the time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE draft_submissions SET status = 'unknown', xero_id = NULL "
            "WHERE xero_id IS NOT NULL AND id NOT IN ("
            " SELECT first_id FROM (SELECT MIN(id) AS first_id FROM draft_submissions"
            " WHERE xero_id IS NOT NULL GROUP BY tenant_id, xero_id) AS firsts)"
        )
    )
    op.create_index(
        "uq_draft_submission_document",
        "draft_submissions",
        ["tenant_id", "xero_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_draft_submission_document", table_name="draft_submissions")
