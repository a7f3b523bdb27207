"""Create the append-only, hash-chained audit store.

Revision ID: 0001_audit_store
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from portal.audit import triggers

revision = "0001_audit_store"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns are spelled out here (not taken from models.py) so this revision never changes after release.
    op.create_table(
        "audit_entries",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("outcome", sa.SmallInteger, nullable=False),
        sa.Column("outcome_text", sa.String(500)),
        sa.Column("user_id", sa.String(200)),
        sa.Column("user_display_name", sa.String(200)),
        sa.Column("user_role", sa.String(100)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("session_hash", sa.String(64)),
        sa.Column("client_address", sa.String(64)),
        sa.Column("user_agent", sa.String(500)),
        sa.Column("subject_chi", sa.String(10)),
        sa.Column("subject_identifiers", sa.JSON),
        sa.Column("purpose_code", sa.String(60)),
        sa.Column("purpose_of_use", sa.String(20)),
        sa.Column("relationship_basis", sa.String(200)),
        sa.Column("break_glass", sa.Boolean, nullable=False),
        sa.Column("break_glass_reason", sa.Text),
        sa.Column("related_sequence", sa.BigInteger),
        sa.Column("agreements", sa.JSON),
        sa.Column("sources", sa.JSON),
        sa.Column("details", sa.JSON),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entries_prev_hash"),
        sa.UniqueConstraint("entry_hash", name="uq_audit_entries_entry_hash"),
        sa.CheckConstraint("sequence > 0", name="ck_audit_entries_sequence_positive"),
        sa.CheckConstraint("outcome IN (0, 4, 8, 12)", name="ck_audit_entries_outcome_code"),
    )
    for column in ("subject_chi", "user_id", "recorded_at", "event_type", "organisation", "related_sequence"):
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", [column])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = triggers.sqlite_append_only_ddl()
    elif dialect == "postgresql":
        statements = triggers.postgres_append_only_ddl() + triggers.postgres_writer_role_ddl()
    else:
        raise RuntimeError(f"the audit store supports SQLite and PostgreSQL, not {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = (
        triggers.sqlite_drop_append_only_ddl() if dialect == "sqlite" else triggers.postgres_drop_append_only_ddl()
    )
    for statement in statements:
        op.execute(statement)
    op.drop_table("audit_entries")
