"""The IG dashboard's rollup and indexes, and a fresh start for the daily rollup.

`audit_hourly_views` holds per UTC hour and viewer agency the successful views and
break-glass starts (the dashboard's charts); `audit_daily_users` per UTC day and user the
successful views, those of a recorded child, and refusals (top users, and the bounds that
narrow the "many children" and "repeated refusals" flags to the few users and days that
could reach them). These hold user ids and names: the trail they summarise holds them too,
and they live in the same access-controlled audit store.

Indexes on the trail serve what cannot be summarised by day: distinct children per viewer
over a period (two: short periods scan by time, long ones by viewer and child), a user's
entries on given days, views without a recorded relationship, and views whose child's
surname hash matches the viewer's; indexes on `audit_daily_users` find a user's busy days
and the days around them. Their WHERE clauses are kept in step
with `portal.audit.dashboard_sql` (a migration must not import the code it migrates for; a
test checks the planner uses each one).

The daily rollup's answer times are now kept in bands (see `portal.audit.governance_sql`),
so every summarised day is cleared here: the next `flask portal transparency rollup`
summarises them all again, into the new tables too. Until then pages read the raw trail:
the same figures, only slower.

Revision ID: 0004_dashboard_rollup
Revises: 0003_daily_rollup
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dashboard_rollup"
down_revision = "0003_daily_rollup"
branch_labels = None
depends_on = None

DAYS = "audit_rollup_days"
OLD_TABLES = ("audit_daily_flows", "audit_daily_calls", "audit_daily_clauses", "audit_daily_entries")
HOURLY = "audit_hourly_views"
USERS = "audit_daily_users"
VIEWS = "event_type IN ('view_child', 'chronology_page', 'print') AND outcome = 0"


def _no_basis(dialect: str) -> str:
    glass = "break_glass" if dialect == "postgresql" else "break_glass = 1"
    return f"({glass} OR relationship_basis IS NULL OR relationship_basis IN ('', 'none', 'break_glass'))"


def _child_hash(dialect: str) -> str:
    if dialect == "postgresql":
        return "(details ->> 'child_surname_hash')"
    return "json_extract(details, '$.child_surname_hash')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in (*OLD_TABLES, DAYS):
        op.execute(f"DELETE FROM {table}")
    op.create_table(
        HOURLY,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("hour", sa.String(13), nullable=False),  # YYYY-MM-DD HH, UTC
        sa.Column("agency", sa.Text),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("break_glass", sa.BigInteger, nullable=False),
    )
    op.create_index(f"ix_{HOURLY}_day", HOURLY, ["day"])
    op.create_table(
        USERS,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("user_id", sa.String(200)),
        sa.Column("user_display_name", sa.String(200)),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("child_views", sa.BigInteger, nullable=False),
        sa.Column("refusals", sa.BigInteger, nullable=False),
    )
    op.create_index(f"ix_{USERS}_day", USERS, ["day"])
    op.create_index(f"ix_{USERS}_user_day", USERS, ["user_id", "day"])  # a user's days near a busy one
    op.create_index(f"ix_{USERS}_child_views", USERS, ["child_views"])  # the busy days themselves
    op.create_index(f"ix_{USERS}_refusals", USERS, ["refusals"])
    # Distinct children per viewer: by time for short periods, by viewer and child (no hashing) for long ones.
    op.execute(f"CREATE INDEX ix_audit_entries_view_children ON audit_entries (recorded_at, user_id, subject_chi) "
               f"WHERE {VIEWS} AND subject_chi IS NOT NULL")
    op.execute(f"CREATE INDEX ix_audit_entries_viewer_children ON audit_entries (user_id, subject_chi, recorded_at) "
               f"WHERE {VIEWS} AND subject_chi IS NOT NULL")
    op.execute("CREATE INDEX ix_audit_entries_user_time ON audit_entries (user_id, recorded_at)")
    op.execute(f"CREATE INDEX ix_audit_entries_views_no_basis ON audit_entries (recorded_at) "
               f"WHERE {VIEWS} AND {_no_basis(dialect)}")
    op.execute(f"CREATE INDEX ix_audit_entries_viewer_child_surname ON audit_entries "
               f"(user_display_name, {_child_hash(dialect)}) WHERE {VIEWS}")
    if dialect == "postgresql":
        op.execute(f"""DO $$
                       BEGIN
                           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                               GRANT INSERT, SELECT ON {HOURLY}, {USERS} TO portal_audit_writer;
                           END IF;
                       END
                       $$""")


def downgrade() -> None:
    for index in ("ix_audit_entries_viewer_child_surname", "ix_audit_entries_views_no_basis",
                  "ix_audit_entries_user_time", "ix_audit_entries_viewer_children", "ix_audit_entries_view_children"):
        op.drop_index(index, "audit_entries")
    for index in ("refusals", "child_views", "user_day"):
        op.drop_index(f"ix_{USERS}_{index}", USERS)
    for table in (USERS, HOURLY):
        op.drop_index(f"ix_{table}_day", table)
        op.drop_table(table)
    for table in (*OLD_TABLES, DAYS):  # their answer times are in bands now: summarise again after downgrading
        op.execute(f"DELETE FROM {table}")
