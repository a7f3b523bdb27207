"""Indexes for aggregating the trail by period, and the append-only table of published snapshots.

The trail itself is untouched: no column changes, no rewritten rows, so every entry's
hash and the append-only triggers stay as they were.

Revision ID: 0002_transparency
Revises: 0001_audit_store
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_transparency"
down_revision = "0001_audit_store"
branch_labels = None
depends_on = None

SNAPSHOTS = "transparency_snapshots"
MESSAGE = "transparency_snapshots is append-only"
# (name, columns): period scans by event type, and the dashboard's per-user and per-organisation counts.
INDEXES = (
    ("ix_audit_entries_event_type_recorded_at", ["event_type", "recorded_at"]),
    ("ix_audit_entries_recorded_at_event_type_user", ["recorded_at", "event_type", "user_id"]),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "audit_entries", columns)
    op.create_table(
        SNAPSHOTS,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER {SNAPSHOTS}_no_{verb.lower()} BEFORE {verb} ON {SNAPSHOTS}
                           BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    elif dialect == "postgresql":
        op.execute(f"""CREATE OR REPLACE FUNCTION {SNAPSHOTS}_reject_change() RETURNS trigger
                       LANGUAGE plpgsql AS $$
                       BEGIN
                           RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
                       END;
                       $$""")
        op.execute(f"""CREATE TRIGGER {SNAPSHOTS}_no_update_delete BEFORE UPDATE OR DELETE ON {SNAPSHOTS}
                       FOR EACH ROW EXECUTE FUNCTION {SNAPSHOTS}_reject_change()""")
        op.execute(f"""DO $$
                       BEGIN
                           IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                               GRANT INSERT, SELECT ON {SNAPSHOTS} TO portal_audit_writer;
                               GRANT USAGE ON SEQUENCE {SNAPSHOTS}_id_seq TO portal_audit_writer;
                           END IF;
                       END
                       $$""")
    else:
        raise RuntimeError(f"the audit store supports SQLite and PostgreSQL, not {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {SNAPSHOTS}_no_{verb}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {SNAPSHOTS}_no_update_delete ON {SNAPSHOTS}")
        op.execute(f"DROP FUNCTION IF EXISTS {SNAPSHOTS}_reject_change()")
    op.drop_table(SNAPSHOTS)
    for name, _ in INDEXES:
        op.drop_index(name, "audit_entries")
