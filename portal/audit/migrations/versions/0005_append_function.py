"""A PostgreSQL function that appends to the chain in one round trip: `audit_append(entries json)`.

Every writer in every process waits while one holds the chain lock, so the lock must be
held for as little as possible. Before, a writer held it across four round trips (lock,
read head, insert, commit), each also waiting for its thread to win Python's GIL back. The
portal now calls this function once, in autocommit: it takes the same transaction-scoped
advisory lock, reads the head (each statement in a PL/pgSQL function sees what committed
before it, so the head read after the lock is current), inserts each entry chained to the
one before, and the statement's own commit releases the lock.

The canonical form stays Python's (`portal.audit.canonical`): the writer sends each entry's
canonical text split around its sequence number, the one hashed value only the lock holder
knows, and this function hashes `prev_hash || head || sequence || tail` with SHA-256, the
same bytes `flask portal audit verify` hashes. The trail's table, hashes and triggers are
unchanged, and SQLite (no functions) keeps the writer's own lock-read-insert path.

Revision ID: 0005_append_function
Revises: 0004_dashboard_rollup
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005_append_function"
down_revision = "0004_dashboard_rollup"
branch_labels = None
depends_on = None

# Kept in step with portal.audit.writer.CHAIN_LOCK_KEY (a migration must not import the code it migrates for;
# a test checks the two lock each other out).
CHAIN_LOCK_KEY = 6241236603233829539
GENESIS_HASH = "0" * 64


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # SECURITY INVOKER (the default): the caller's INSERT and SELECT rights apply, as for a plain INSERT.
    op.execute(f"""
        CREATE OR REPLACE FUNCTION audit_append(entries json)
        RETURNS TABLE (sequence bigint, prev_hash text, entry_hash text)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            item json;
            next_row audit_entries%ROWTYPE;
            head_sequence bigint;
            head_hash text;
        BEGIN
            PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
            SELECT e.sequence, e.entry_hash INTO head_sequence, head_hash
                FROM audit_entries AS e ORDER BY e.sequence DESC LIMIT 1;
            IF NOT FOUND THEN
                head_sequence := 0;
                head_hash := '{GENESIS_HASH}';
            END IF;
            FOR item IN SELECT value FROM json_array_elements(entries) LOOP
                next_row := json_populate_record(NULL::audit_entries, item -> 'row');
                head_sequence := head_sequence + 1;
                next_row.sequence := head_sequence;
                next_row.prev_hash := head_hash;
                next_row.entry_hash := encode(sha256(convert_to(
                    head_hash || (item ->> 'head') || head_sequence::text || (item ->> 'tail'), 'UTF8')), 'hex');
                INSERT INTO audit_entries SELECT next_row.*;
                head_hash := next_row.entry_hash;
                sequence := next_row.sequence;
                prev_hash := next_row.prev_hash;
                entry_hash := next_row.entry_hash;
                RETURN NEXT;
            END LOOP;
        END
        $$""")
    op.execute("""DO $$
                  BEGIN
                      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portal_audit_writer') THEN
                          GRANT EXECUTE ON FUNCTION audit_append(json) TO portal_audit_writer;
                      END IF;
                  END
                  $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append(json)")
