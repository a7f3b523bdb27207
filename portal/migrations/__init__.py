"""Alembic migrations for the portal's configuration tables (the audit store has its own)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the configuration database up to `revision`; the same migrations run on SQLite and PostgreSQL."""
    command.upgrade(alembic_config(url), revision)
