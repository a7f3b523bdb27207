"""Alembic environment for the audit store (its own version table, its own metadata).

Run programmatically through `portal.audit.store.upgrade_audit_store(url)`, which hands
over an open connection; `alembic -x url=... upgrade head` with a config pointing here
works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from portal.audit.models import VERSION_TABLE, audit_metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=audit_metadata,
        version_table=VERSION_TABLE,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no audit database url: pass -x url=... or use upgrade_audit_store(url)")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the audit store migrations run online only (they branch on the dialect)")
run_online()
