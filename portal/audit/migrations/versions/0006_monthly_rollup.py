"""Month- and week-level rollups, refusals per UK day, and viewers' distinct children for the dashboard's periods.

So a year's page reads about a dozen months of summaries instead of 365 days of them:

- `audit_rollup_months` / `audit_rollup_weeks` mark each whole UTC month (week, Monday to
  Sunday) whose days are all summarised; the `audit_monthly_*` tables hold the sums of the
  daily flows, entry counts, clauses and per-user counts over the month, `audit_weekly_calls`
  the answer-time bands over the week (the governance page reports by week).
- `audit_daily_uk_refusals`: per summarised UTC day, user and UK calendar day, the refusals
  (a UTC day holds at most two UK days), so the "repeated refusals" flag finds its days
  without loading any refusal that cannot reach it.
- `audit_rollup_viewer_periods` / `audit_viewer_children`: each viewer's exact number of
  distinct children from a period start (a UK midnight the dashboard offers) up to a
  horizon (the UTC midnight after the last summarised day), counted from the trail when the
  rollup runs; a page adds only the children first seen after the horizon.

Everything is filled by `flask portal transparency rollup` (months and weeks from the daily
tables, for days summarised before this migration too); refusals per UK day are backfilled
here for the days already summarised. Tables are insert-only like the daily ones (the
writer role gets INSERT and SELECT). Per-user rows hold user ids and names,
as `audit_daily_users` does, in the same access-controlled store.

Revision ID: 0006_monthly_rollup
Revises: 0005_append_function
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0006_monthly_rollup"
down_revision = "0005_append_function"
branch_labels = None
depends_on = None

DAYS = "audit_rollup_days"
MONTHS = "audit_rollup_months"
WEEKS = "audit_rollup_weeks"
VIEWER_PERIODS = "audit_rollup_viewer_periods"
# Kept in step with portal.audit.flow_sql.SOURCE_REASONS (a migration must not import the code it migrates for).
REASONS = ("category_not_agreed", "restricted_withheld", "sealed_notice", "timed_out", "failed", "not_matched",
           "wrong_person_dropped")
TABLES = (MONTHS, WEEKS, VIEWER_PERIODS, "audit_monthly_flows", "audit_monthly_entries", "audit_monthly_clauses",
          "audit_monthly_users", "audit_weekly_calls", "audit_daily_uk_refusals", "audit_viewer_children")


def _backfill_uk_refusals() -> None:
    """Refusals per (summarised UTC day, user, UK day) for the days summarised before this migration."""
    connection = op.get_bind()
    days = [date.fromisoformat(day) for (day,) in connection.execute(sa.text(f"SELECT day FROM {DAYS}"))]
    if not days:
        return
    entries = sa.table("audit_entries", sa.column("recorded_at", sa.DateTime(timezone=True)),
                       sa.column("user_id", sa.String), sa.column("event_type", sa.String))
    first = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(max(days) + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    bound = first.replace(tzinfo=None) if connection.dialect.name == "sqlite" else first
    until = last.replace(tzinfo=None) if connection.dialect.name == "sqlite" else last
    rows = connection.execute(sa.select(entries.c.recorded_at, entries.c.user_id).where(
        entries.c.event_type == "refused", entries.c.recorded_at >= bound, entries.c.recorded_at < until))
    summarised, uk, counts = set(days), ZoneInfo("Europe/London"), Counter[tuple[str, str | None, str]]()
    for moment, user in rows:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        if moment.date() in summarised:
            counts[(moment.date().isoformat(), user, moment.astimezone(uk).date().isoformat())] += 1
    table = sa.table("audit_daily_uk_refusals", sa.column("day"), sa.column("user_id"), sa.column("uk_day"),
                     sa.column("refusals"))
    if counts:
        op.bulk_insert(table, [{"day": day, "user_id": user, "uk_day": uk_day, "refusals": n}
                               for (day, user, uk_day), n in counts.items()])


def _counts(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger, nullable=False) for name in names]


def upgrade() -> None:
    for marker, key, width in ((MONTHS, "month", 7), (WEEKS, "week", 10)):
        op.create_table(marker, sa.Column(key, sa.String(width), primary_key=True),
                        sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=False))
    def month() -> sa.Column[str]:
        return sa.Column("month", sa.String(7), sa.ForeignKey(f"{MONTHS}.month"), nullable=False)

    reasons = [name for reason in REASONS for name in (f"n_{reason}", f"i_{reason}")]
    op.create_table("audit_monthly_flows", month(),
                    *(sa.Column(name, sa.Text) for name in ("organisation", "user_role", "purpose_code", "agency")),
                    *_counts("asked", "answered", "items", *reasons))
    op.create_table("audit_monthly_entries", month(),
                    *(sa.Column(name, sa.Text) for name in ("organisation", "user_role", "purpose_code")),
                    *_counts("views", "n_refused", "n_break_glass"))
    op.create_table("audit_monthly_clauses", month(), sa.Column("clause", sa.Text), *_counts("views"))
    op.create_table("audit_monthly_users", month(), sa.Column("user_id", sa.String(200)),
                    sa.Column("user_display_name", sa.String(200)), *_counts("views", "child_views", "refusals"))
    op.create_table("audit_weekly_calls", sa.Column("week", sa.String(10), sa.ForeignKey(f"{WEEKS}.week"),
                                                    nullable=False),
                    sa.Column("agency", sa.Text), sa.Column("status", sa.Text), *_counts("bucket_ms", "calls"))
    for table in ("audit_monthly_flows", "audit_monthly_entries", "audit_monthly_clauses", "audit_monthly_users"):
        op.create_index(f"ix_{table}_month", table, ["month"])
    op.create_index("ix_audit_weekly_calls_week", "audit_weekly_calls", ["week"])
    op.create_table("audit_daily_uk_refusals", sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"),
                                                         nullable=False),
                    sa.Column("user_id", sa.String(200)), sa.Column("uk_day", sa.String(10), nullable=False),
                    *_counts("refusals"))
    op.create_index("ix_audit_daily_uk_refusals_day", "audit_daily_uk_refusals", ["day"])
    op.create_index("ix_audit_daily_uk_refusals_uk_day", "audit_daily_uk_refusals", ["uk_day"])
    op.create_table(VIEWER_PERIODS, sa.Column("horizon", sa.String(10), primary_key=True),
                    sa.Column("since", sa.DateTime(timezone=True), primary_key=True),
                    sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table("audit_viewer_children", sa.Column("horizon", sa.String(10), nullable=False),
                    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("user_id", sa.String(200)), *_counts("children"),
                    sa.ForeignKeyConstraint(["horizon", "since"], [f"{VIEWER_PERIODS}.horizon",
                                                                   f"{VIEWER_PERIODS}.since"]))
    op.create_index("ix_audit_viewer_children_period", "audit_viewer_children", ["horizon", "since"])
    _backfill_uk_refusals()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""DO $$
                       BEGIN
                           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                               GRANT INSERT, SELECT ON {", ".join(TABLES)} TO portal_audit_writer;
                           END IF;
                       END
                       $$""")


def downgrade() -> None:
    op.drop_index("ix_audit_viewer_children_period", "audit_viewer_children")
    op.drop_table("audit_viewer_children")
    op.drop_table(VIEWER_PERIODS)
    for index in ("uk_day", "day"):
        op.drop_index(f"ix_audit_daily_uk_refusals_{index}", "audit_daily_uk_refusals")
    op.drop_table("audit_daily_uk_refusals")
    op.drop_index("ix_audit_weekly_calls_week", "audit_weekly_calls")
    op.drop_table("audit_weekly_calls")
    for table in ("audit_monthly_users", "audit_monthly_clauses", "audit_monthly_entries", "audit_monthly_flows"):
        op.drop_index(f"ix_{table}_month", table)
        op.drop_table(table)
    op.drop_table(WEEKS)
    op.drop_table(MONTHS)
