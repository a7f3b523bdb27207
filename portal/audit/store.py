"""Create or upgrade the audit store's schema (table, triggers, writer role) with its own Alembic history."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from portal.audit.models import VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def audit_alembic_config() -> Config:
    """An Alembic config for the audit store, built in code (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


def upgrade_audit_engine(engine: Engine, revision: str = "head") -> None:
    """Run the audit store migrations up to `revision` on `engine`, committing when done."""
    config = audit_alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def upgrade_audit_store(url: str) -> None:
    """Bring the audit database at `url` up to date; what `flask portal db-upgrade` calls."""
    from portal.extensions import make_engine  # late: keeps Flask out of non-app users of this module

    engine = make_engine(url)
    try:
        upgrade_audit_engine(engine)
    finally:
        engine.dispose()
