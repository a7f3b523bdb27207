"""DDL that makes the audit store append-only, for SQLite and PostgreSQL.

Triggers reject UPDATE and DELETE (and TRUNCATE on PostgreSQL) whoever asks; on
PostgreSQL the portal should also connect as a member of `portal_audit_writer`, a
role that holds INSERT and SELECT only, so even a bug or an injected statement in
the portal cannot alter the trail. Someone with DBA rights can still disable the
triggers: that is what the hash chain and the signed head are for.
"""

from __future__ import annotations

from portal.audit.models import ENTRIES_TABLE, WRITER_ROLE

APPEND_ONLY_MESSAGE = "audit_entries is append-only"

SQLITE_TRIGGER_NAMES = ("audit_entries_no_update", "audit_entries_no_delete")
POSTGRES_FUNCTION = "audit_entries_reject_change"
POSTGRES_TRIGGER_NAMES = ("audit_entries_no_update_delete", "audit_entries_no_truncate")


def sqlite_append_only_ddl() -> list[str]:
    """Statements creating the SQLite triggers."""
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {name} BEFORE {verb} ON {ENTRIES_TABLE}
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"""
        for name, verb in zip(SQLITE_TRIGGER_NAMES, ("UPDATE", "DELETE"), strict=True)
    ]


def sqlite_drop_append_only_ddl() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES]


def postgres_append_only_ddl() -> list[str]:
    """Statements creating the PostgreSQL trigger function and triggers."""
    update_delete, truncate = POSTGRES_TRIGGER_NAMES
    return [
        f"""CREATE OR REPLACE FUNCTION {POSTGRES_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$""",
        f"DROP TRIGGER IF EXISTS {update_delete} ON {ENTRIES_TABLE}",
        f"""CREATE TRIGGER {update_delete} BEFORE UPDATE OR DELETE ON {ENTRIES_TABLE}
            FOR EACH ROW EXECUTE FUNCTION {POSTGRES_FUNCTION}()""",
        f"DROP TRIGGER IF EXISTS {truncate} ON {ENTRIES_TABLE}",
        f"""CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {ENTRIES_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION {POSTGRES_FUNCTION}()""",
    ]


def postgres_drop_append_only_ddl() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name} ON {ENTRIES_TABLE}" for name in POSTGRES_TRIGGER_NAMES] + [
        f"DROP FUNCTION IF EXISTS {POSTGRES_FUNCTION}()"
    ]


def postgres_writer_role_ddl() -> list[str]:
    """Create `portal_audit_writer` if missing (NOLOGIN: grant it to the portal's login user) and grant it
    INSERT and SELECT only. Idempotent, and safe when two migrations race to create the role."""
    return [
        f"""DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WRITER_ROLE}') THEN
                    CREATE ROLE {WRITER_ROLE} NOLOGIN;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another session created it between our check and our CREATE
            END
            $$""",
        f"""DO $$
            BEGIN
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO {WRITER_ROLE}', current_schema());
            END
            $$""",
        f"REVOKE ALL ON {ENTRIES_TABLE} FROM {WRITER_ROLE}",
        f"GRANT INSERT, SELECT ON {ENTRIES_TABLE} TO {WRITER_ROLE}",
    ]
