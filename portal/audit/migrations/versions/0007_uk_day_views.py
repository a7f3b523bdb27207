"""Views per UK calendar day for the IG dashboard's charts, per UK hour for its out-of-hours flag, and an index
nothing reads dropped.

`audit_daily_uk_views` holds, per summarised UTC day, UK calendar day and viewer agency,
the successful views and break-glass starts: the hourly rows summed onto UK days once,
when the day is summarised, so a year's charts read some 1,900 rows instead of 44,000
hourly ones. A UTC day holds its own UK day and, on a BST evening, from 23:00 the next one.
`audit_daily_uk_hours` holds per summarised UTC hour with views its UK hour of the day and
whether its UK day is a weekend, so the out-of-hours count is integer comparisons over a
year's 8,760 rows (working hours are configurable, so they cannot be applied here). Rows are
backfilled here from `audit_hourly_views` for the days already summarised; the tables are
insert-only like the other rollup tables (the writer role gets INSERT and SELECT).

`ix_audit_daily_users_refusals` (0004) served a search for busy refusal days on
`audit_daily_users`; refusals are found per UK day in `audit_daily_uk_refusals` (0006), so
no query uses it.

Revision ID: 0007_uk_day_views
Revises: 0006_monthly_rollup
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0007_uk_day_views"
down_revision = "0006_monthly_rollup"
branch_labels = None
depends_on = None

DAYS = "audit_rollup_days"
TABLE = "audit_daily_uk_views"
HOURS = "audit_daily_uk_hours"


def _next_day(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"to_char(CAST({column} AS date) + 1, 'YYYY-MM-DD')"
    return f"date({column}, '+1 days')"


def _backfill() -> None:
    """UK-day rows for the days summarised before this migration, from their hourly rows."""
    connection = op.get_bind()
    uk = ZoneInfo("Europe/London")
    late = [day for (day,) in connection.execute(sa.text(f"SELECT day FROM {DAYS}"))
            if datetime.combine(date.fromisoformat(day), time(23), tzinfo=UTC).astimezone(uk).date()
            != date.fromisoformat(day)]
    evening = sa.text(f"INSERT INTO {TABLE} (day, uk_day, agency, views, break_glass) "
                      f"SELECT day, CASE WHEN substr(hour, 12, 2) = '23' AND day IN :late "
                      f"THEN {_next_day(connection.dialect.name, 'day')} ELSE day END, agency, SUM(views), "
                      "SUM(break_glass) FROM audit_hourly_views GROUP BY 1, 2, 3"
                      ).bindparams(sa.bindparam("late", expanding=True))
    connection.execute(evening, {"late": late or ["none"]})
    rows = []
    for day, hour, views in connection.execute(sa.text(
            "SELECT day, hour, SUM(views) FROM audit_hourly_views WHERE views > 0 GROUP BY day, hour")):
        local = datetime(int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=UTC).astimezone(uk)
        rows.append({"day": day, "hour": hour, "uk_hour": local.hour, "weekend": int(local.weekday() >= 5),
                     "views": int(views)})
    if rows:
        op.bulk_insert(sa.table(HOURS, *(sa.column(name) for name in ("day", "hour", "uk_hour", "weekend", "views"))),
                       rows)


def upgrade() -> None:
    op.create_table(TABLE, sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
                    sa.Column("uk_day", sa.String(10), nullable=False), sa.Column("agency", sa.Text),
                    sa.Column("views", sa.BigInteger, nullable=False),
                    sa.Column("break_glass", sa.BigInteger, nullable=False))
    op.create_index(f"ix_{TABLE}_day", TABLE, ["day"])
    op.create_table(HOURS, sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
                    sa.Column("hour", sa.String(13), nullable=False), sa.Column("uk_hour", sa.SmallInteger,
                                                                                nullable=False),
                    sa.Column("weekend", sa.SmallInteger, nullable=False),
                    sa.Column("views", sa.BigInteger, nullable=False))
    op.create_index(f"ix_{HOURS}_day", HOURS, ["day"])
    _backfill()
    op.drop_index("ix_audit_daily_users_refusals", "audit_daily_users")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""DO $$
                       BEGIN
                           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                               GRANT INSERT, SELECT ON {TABLE}, {HOURS} TO portal_audit_writer;
                           END IF;
                       END
                       $$""")


def downgrade() -> None:
    op.create_index("ix_audit_daily_users_refusals", "audit_daily_users", ["refusals"])
    for table in (HOURS, TABLE):
        op.drop_index(f"ix_{table}_day", table)
        op.drop_table(table)

