"""Daily summaries (rollups) of the trail's per-source flows, so period pages stop re-reading every entry's JSON.

`audit_rollup_days` marks each UTC day already summarised (its primary key makes
summarising a day insert-if-absent: two runs at once cannot both summarise it);
`audit_daily_flows` holds that day's counts per (organisation, role, purpose, source
agency). Counts at organisation level only: no user, child, CHI or content, so not
personal data. The trail itself is untouched.

Revision ID: 0003_daily_rollup
Revises: 0002_transparency
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_daily_rollup"
down_revision = "0002_transparency"
branch_labels = None
depends_on = None

DAYS = "audit_rollup_days"
FLOWS = "audit_daily_flows"
CALLS = "audit_daily_calls"
CLAUSES = "audit_daily_clauses"
ENTRIES = "audit_daily_entries"
TABLES = (DAYS, FLOWS, CALLS, CLAUSES, ENTRIES)
# Kept in step with portal.audit.flow_sql.SOURCE_REASONS (a migration must not import the code it migrates for).
REASONS = ("category_not_agreed", "restricted_withheld", "sealed_notice", "timed_out", "failed", "not_matched",
           "wrong_person_dropped")


def upgrade() -> None:
    op.create_table(
        DAYS,
        sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, UTC
        sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=False),
    )
    counts = [sa.Column(name, sa.BigInteger, nullable=False) for name in ("asked", "answered", "items")]
    for reason in REASONS:
        counts += [sa.Column(f"n_{reason}", sa.BigInteger, nullable=False),
                   sa.Column(f"i_{reason}", sa.BigInteger, nullable=False)]
    op.create_table(
        FLOWS,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("user_role", sa.Text),
        sa.Column("purpose_code", sa.Text),
        sa.Column("agency", sa.Text),
        *counts,
    )
    op.create_index("ix_audit_daily_flows_day", FLOWS, ["day"])
    op.create_table(  # agency reliability: calls per status and answer time in ms (for p95)
        CALLS,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("agency", sa.Text),
        sa.Column("status", sa.Text),
        sa.Column("bucket_ms", sa.BigInteger, nullable=False),
        sa.Column("calls", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_audit_daily_calls_day", CALLS, ["day"])
    op.create_table(  # views citing each agreement clause
        CLAUSES,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("clause", sa.Text),
        sa.Column("views", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_audit_daily_clauses_day", CLAUSES, ["day"])
    op.create_table(  # whole entries: successful views, refusals, break-glass starts
        ENTRIES,
        sa.Column("day", sa.String(10), sa.ForeignKey(f"{DAYS}.day"), nullable=False),
        sa.Column("organisation", sa.Text),
        sa.Column("user_role", sa.Text),
        sa.Column("purpose_code", sa.Text),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in ("views", "n_refused", "n_break_glass")),
    )
    op.create_index("ix_audit_daily_entries_day", ENTRIES, ["day"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""DO $$
                       BEGIN
                           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                               GRANT INSERT, SELECT ON {", ".join(TABLES)} TO portal_audit_writer;
                           END IF;
                       END
                       $$""")


def downgrade() -> None:
    for table in (ENTRIES, CLAUSES, CALLS):
        op.drop_index(f"ix_{table}_day", table)
        op.drop_table(table)
    op.drop_index("ix_audit_daily_flows_day", FLOWS)
    op.drop_table(FLOWS)
    op.drop_table(DAYS)
