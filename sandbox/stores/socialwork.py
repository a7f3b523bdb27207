"""The council social work case system: a relational schema on SQLite or PostgreSQL.

Tables follow sandbox/API.md. On PostgreSQL they live in their own schema and a
login role (default `portal_reader`) gets SELECT only, as a real council would
grant a reporting account.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

# "Not for the child or family" flag and third-party markers (third_parties: JSON list of {name, role}).
FAMILY_MARKS: tuple[tuple[str, str], ...] = (
    ("not_for_family", "INTEGER NOT NULL"), ("third_party", "INTEGER NOT NULL"), ("third_parties", "TEXT"),
)
_MARK_DEFAULTS = {"not_for_family": 0, "third_party": 0, "third_parties": None}  # older row sets lack them


def _value(row: Mapping[str, Any], column: str) -> Any:
    return row[column] if column in row or column not in _MARK_DEFAULTS else _MARK_DEFAULTS[column]


# Column name -> SQL type. Every id and date is TEXT (dates as ISO strings).
# `person_id` is the key records are filed (and looked up) under; `subject_person_id` is the
# person the record is about, as the record itself says. In a healthy database they agree;
# the `wrong_child` fault breaks the filing, not the record, so a reader can tell.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "people": (
        ("person_id", "TEXT PRIMARY KEY"), ("chi", "TEXT"), ("forename", "TEXT NOT NULL"),
        ("surname", "TEXT NOT NULL"), ("previous_surname", "TEXT"), ("birth_date", "TEXT NOT NULL"),
        ("sex", "TEXT"), ("postcode", "TEXT"), ("address", "TEXT"), ("security_label", "TEXT NOT NULL"),
    ),
    "allocations": (
        ("allocation_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("worker_name", "TEXT NOT NULL"),
        ("worker_role", "TEXT NOT NULL"), ("team", "TEXT NOT NULL"), ("start_date", "TEXT NOT NULL"),
        ("end_date", "TEXT"), ("is_lead_professional", "INTEGER NOT NULL"),
    ),
    "referrals": (
        ("referral_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("referral_date", "TEXT NOT NULL"),
        ("source", "TEXT NOT NULL"), ("reason", "TEXT NOT NULL"), ("outcome", "TEXT"),
        ("security_label", "TEXT NOT NULL"), *FAMILY_MARKS,
    ),
    "assessments": (
        ("assessment_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("start_date", "TEXT NOT NULL"),
        ("end_date", "TEXT"), ("assessment_type", "TEXT NOT NULL"), ("outcome", "TEXT"),
    ),
    "cp_registrations": (
        ("registration_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"), ("subject_person_id", "TEXT NOT NULL"),
        ("registered_date", "TEXT NOT NULL"), ("deregistered_date", "TEXT"), ("cppm_date", "TEXT NOT NULL"),
        ("next_review_date", "TEXT"),
    ),
    "cp_concerns": (("registration_id", "TEXT NOT NULL"), ("area_of_concern", "TEXT NOT NULL")),
    "looked_after_spells": (
        ("spell_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("start_date", "TEXT NOT NULL"),
        ("end_date", "TEXT"), ("setting", "TEXT NOT NULL"), ("legal_basis", "TEXT NOT NULL"),
        ("placement_type", "TEXT NOT NULL"),
    ),
    "childs_plans": (
        ("plan_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("plan_type", "TEXT NOT NULL"),
        ("lead_professional", "TEXT"), ("status", "TEXT NOT NULL"), ("next_review_date", "TEXT"),
    ),
    "significant_events": (
        ("event_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("event_date", "TEXT NOT NULL"),
        ("date_certainty", "TEXT NOT NULL"), ("sequence", "INTEGER NOT NULL"), ("title", "TEXT NOT NULL"),
        ("summary", "TEXT"), ("shanarri", "TEXT"), ("action", "TEXT"), ("impact", "TEXT"),
        ("author_role", "TEXT"), ("significant", "INTEGER NOT NULL"), ("security_label", "TEXT NOT NULL"),
        ("sealed", "INTEGER NOT NULL"), *FAMILY_MARKS,
    ),
    "case_notes": (
        ("note_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("note_date", "TEXT NOT NULL"),
        ("summary", "TEXT NOT NULL"), ("author_role", "TEXT"), ("security_label", "TEXT NOT NULL"),
        ("sealed", "INTEGER NOT NULL"), *FAMILY_MARKS,
    ),
    "contacts": (
        ("contact_id", "TEXT PRIMARY KEY"), ("person_id", "TEXT NOT NULL"),
        ("subject_person_id", "TEXT NOT NULL"), ("name", "TEXT NOT NULL"),
        ("relationship", "TEXT NOT NULL"), ("parental_responsibility", "INTEGER NOT NULL"),
        ("do_not_inform", "INTEGER NOT NULL"), ("security_label", "TEXT NOT NULL"),
    ),
}

# Lookups the connector makes: by CHI, by name and DOB, and each table by person.
INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("people_by_chi", "people", ("chi",)),
    ("people_by_name", "people", ("surname", "forename", "birth_date")),
    *((f"{table}_by_person", table, ("person_id",)) for table in TABLES if table not in ("people", "cp_concerns")),
    ("cp_concerns_by_registration", "cp_concerns", ("registration_id",)),
    # The portal's chronology windows: one person's rows in date order, newest or oldest first.
    ("case_notes_by_person_date", "case_notes", ("person_id", "note_date")),
    ("significant_events_by_person_date", "significant_events", ("person_id", "event_date")),
    ("referrals_by_person_date", "referrals", ("person_id", "referral_date")),
)

Rows = Mapping[str, Sequence[Mapping[str, Any]]]


def create_sqlite(path: Path | str, rows: Rows) -> None:
    """Create a fresh SQLite social work database at `path` holding `rows` (table -> row dicts)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(str(path))
    try:
        with conn:
            for table, columns in TABLES.items():
                conn.execute(_create_table_sql(table, columns))
            for name, table, cols in INDEXES:
                conn.execute(f"CREATE INDEX {name} ON {table} ({', '.join(cols)})")
            for table, columns in TABLES.items():
                names = [c for c, _ in columns]
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [_values(row, names) for row in rows.get(table, ())],
                )
    finally:
        conn.close()


def create_postgres(
    url: str, rows: Rows, *, schema: str = "socialwork", reader_role: str = "portal_reader"
) -> None:
    """(Re)create `schema` on PostgreSQL holding `rows`, readable (SELECT only) by `reader_role`.

    The schema is dropped and rebuilt, so calling this twice gives the same data.
    The role is created only if missing (roles are cluster-wide and may be shared).
    """
    _check_identifier(schema)
    _check_identifier(reader_role)
    with psycopg.connect(libpq_url(url), autocommit=False) as conn:
        ident = sql.Identifier(schema)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident))
        for table, columns in TABLES.items():
            conn.execute(sql.SQL(_create_table_sql(f"{schema}.{table}", columns)))
        for name, table, cols in INDEXES:
            conn.execute(sql.SQL(f"CREATE INDEX {name} ON {schema}.{table} ({', '.join(cols)})"))
        with conn.cursor() as cur:
            for table, columns in TABLES.items():
                names = [c for c, _ in columns]
                placeholders = ", ".join(["%s"] * len(names))
                statement = f"INSERT INTO {schema}.{table} ({', '.join(names)}) VALUES ({placeholders})"
                cur.executemany(statement, [_values(row, names) for row in rows.get(table, ())])
        conn.commit()
    ensure_reader_role(url, schema=schema, reader_role=reader_role)


def ensure_reader_role(url: str, *, schema: str = "socialwork", reader_role: str = "portal_reader") -> None:
    """Create `reader_role` if missing and grant it read-only access to `schema`. Safe to repeat."""
    _check_identifier(schema)
    _check_identifier(reader_role)
    # Another process may create the role between our check and CREATE: swallow only that race.
    create_role = f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{reader_role}') THEN
                CREATE ROLE {reader_role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $$;
    """
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL(create_role))
        role, ident = sql.Identifier(reader_role), sql.Identifier(schema)
        conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(ident, role))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident, role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(ident, role))


def drop_postgres_schema(url: str, schema: str) -> None:
    """Remove a schema and everything in it (for tests that made a throwaway one)."""
    _check_identifier(schema)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def libpq_url(url: str) -> str:
    """Turn an SQLAlchemy URL (`postgresql+psycopg://…`) into one libpq accepts."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def _values(row: Mapping[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    # A record is about the person it is filed under unless it says otherwise.
    return tuple(row.get(c, row.get("person_id")) if c == "subject_person_id" else _value(row, c) for c in names)


def _create_table_sql(qualified_table: str, columns: tuple[tuple[str, str], ...]) -> str:
    return f"CREATE TABLE {qualified_table} ({', '.join(f'{name} {kind}' for name, kind in columns)})"


def _check_identifier(name: str) -> None:
    # Schema and role names are interpolated into DDL, so allow plain identifiers only.
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
