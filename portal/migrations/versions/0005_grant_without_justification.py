"""Break-glass grants no longer keep the typed justification (the audit trail's start entry holds it)

Revision ID: 0005_grant_without_justification
Revises: 0004_sso_notifications
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_grant_without_justification"
down_revision = "0004_sso_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IG reviews the justification from the audit entry; a second copy here was free text about a child at rest.
    op.drop_column("break_glass_grants", "justification")


def downgrade() -> None:
    # The text itself is gone: old code reading the column gets an empty string, never a made-up reason.
    op.add_column("break_glass_grants",
                  sa.Column("justification", sa.Text(), nullable=False, server_default=sa.text("''")))
