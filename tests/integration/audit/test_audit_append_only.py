"""The store itself refuses changes: triggers on both dialects, an insert/select-only role on PostgreSQL,
and the writer fails closed when the store cannot be written."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.audit import AuditUnavailable, AuditWriter, get_entry, upgrade_audit_store, verify_chain
from portal.audit.models import VERSION_TABLE, WRITER_ROLE, audit_entries
from portal.extensions import make_engine


def _write_some(engine, make_input, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    writer = AuditWriter(engine)
    for index in range(n):
        writer.record(make_input(index))


@pytest.mark.parametrize(
    "change",
    [
        update(audit_entries).where(audit_entries.c.sequence == 2).values(user_id="someone-else"),
        update(audit_entries).values(outcome=4),
        delete(audit_entries).where(audit_entries.c.sequence == 5),
        delete(audit_entries),
    ],
    ids=["update-one", "update-all", "delete-last", "delete-all"],
)
def test_store_rejects_update_and_delete(store, make_input, change) -> None:  # type: ignore[no-untyped-def]
    _write_some(store.engine, make_input)
    before = get_entry(store.engine, 2)

    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(change)

    assert get_entry(store.engine, 2) == before
    result = verify_chain(store.engine)
    assert result.ok and result.entries_checked == 5


@pytest.mark.postgres
def test_postgres_rejects_truncate(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    _write_some(pg_store.engine, make_input)

    with pytest.raises(DBAPIError, match="append-only"), pg_store.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE audit_entries")

    assert verify_chain(pg_store.engine).entries_checked == 5


@pytest.mark.postgres
def test_writer_role_can_append_and_read_but_never_change(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    role_engine = pg_store.new_engine(role=WRITER_ROLE)
    try:
        _write_some(role_engine, make_input)  # INSERT and SELECT are enough for the writer...
        assert verify_chain(role_engine).ok  # ...and for verification
        with pg_store.engine.begin() as owner:  # take the triggers away so only the role's privileges remain
            owner.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER USER")
        changes = ("UPDATE audit_entries SET outcome = 4", "DELETE FROM audit_entries", "TRUNCATE audit_entries")
        for statement in changes:
            with pytest.raises(DBAPIError, match="permission denied"), role_engine.begin() as connection:
                connection.exec_driver_sql(statement)
        assert verify_chain(pg_store.engine).entries_checked == 5
    finally:
        role_engine.dispose()


@pytest.mark.postgres
def test_revoked_insert_makes_the_writer_fail_closed(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    role_engine = pg_store.new_engine(role=WRITER_ROLE)
    try:
        writer = AuditWriter(role_engine)
        writer.record(make_input(0))
        with pg_store.engine.begin() as owner:
            owner.exec_driver_sql(f"REVOKE INSERT ON audit_entries FROM {WRITER_ROLE}")

        with pytest.raises(AuditUnavailable, match="permission denied"):
            writer.record(make_input(1))
    finally:
        role_engine.dispose()
    assert verify_chain(pg_store.engine).entries_checked == 1


def test_read_only_sqlite_file_makes_the_writer_fail_closed(tmp_path, make_input) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "audit.db"
    upgrade_audit_store(f"sqlite:///{path}")
    _write_some(make_engine(f"sqlite:///{path}"), make_input, n=2)
    # Opened read-only (chmod alone does not stop root, which CI containers often are).
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(AuditUnavailable, match="readonly"):
            AuditWriter(read_only).record(make_input(2))
        assert verify_chain(read_only).entries_checked == 2
    finally:
        read_only.dispose()


def test_store_that_was_never_migrated_fails_closed(tmp_path, make_input) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(AuditUnavailable):
        AuditWriter(engine).record(make_input(0))


def test_upgrade_is_repeatable_and_uses_its_own_version_table(tmp_path, make_input) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade_audit_store(url)
    _write_some(make_engine(url), make_input, n=3)
    upgrade_audit_store(url)  # a second `db-upgrade` must neither fail nor touch the entries

    engine = make_engine(url)
    with engine.connect() as connection:
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    assert versions == [audit_head_revision()]
    assert "alembic_version" not in tables  # the portal's own migrations keep their default table
    assert verify_chain(engine).entries_checked == 3


def audit_head_revision() -> str:
    """The newest audit-store revision (the store's own Alembic history, whatever it has grown to)."""
    from alembic.script import ScriptDirectory

    from portal.audit.store import audit_alembic_config

    return str(ScriptDirectory.from_config(audit_alembic_config()).get_current_head())


@pytest.mark.postgres
def test_postgres_upgrade_by_url_is_repeatable(pg_store) -> None:  # type: ignore[no-untyped-def]
    schema_url = f"{pg_store.url}?options=-csearch_path%3D{pg_store.schema}"
    upgrade_audit_store(schema_url)  # the fixture already upgraded: this must be a no-op, role creation included
    with pg_store.engine.connect() as connection:
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        count = connection.execute(select(audit_entries.c.sequence)).all()
    assert versions == [audit_head_revision()]
    assert count == []
