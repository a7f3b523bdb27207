"""Indexes that find a year's few busy refusal days without summing every user-day.

The "repeated refusals" flag needs the (user, UK day) pairs refused at least N times. A UK
day lies within at most two UTC days, so `audit_daily_uk_refusals` holds at most two rows
for a pair, and a pair reaching N has a row of at least half of N. The index on `refusals`
finds those few rows; the one on (user, UK day) adds each pair's other row.

Revision ID: 0008_busy_refusal_days
Revises: 0007_uk_day_views
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0008_busy_refusal_days"
down_revision = "0007_uk_day_views"
branch_labels = None
depends_on = None

TABLE = "audit_daily_uk_refusals"


def upgrade() -> None:
    op.create_index(f"ix_{TABLE}_refusals", TABLE, ["refusals"])
    op.create_index(f"ix_{TABLE}_user_uk_day", TABLE, ["user_id", "uk_day"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_user_uk_day", TABLE)
    op.drop_index(f"ix_{TABLE}_refusals", TABLE)
