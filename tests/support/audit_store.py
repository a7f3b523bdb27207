"""A migrated, empty audit store on SQLite or on a throwaway PostgreSQL database, for SQL aggregation tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine

from portal.audit.store import upgrade_audit_engine
from tests.support.postgres import fresh_database


@contextmanager
def migrated_audit_engine(dialect: str, folder: Path, prefix: str) -> Iterator[Engine]:
    """Yield an engine on a fresh audit store of `dialect` ("sqlite" or "postgresql"); dispose of it afterwards."""
    if dialect == "sqlite":
        made = create_engine(f"sqlite:///{folder / 'audit.db'}")
        upgrade_audit_engine(made)
        yield made
        made.dispose()
        return
    with fresh_database(prefix) as url:
        made = create_engine(url)
        upgrade_audit_engine(made)
        yield made
        made.dispose()
