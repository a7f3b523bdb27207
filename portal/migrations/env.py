"""Alembic environment: runs online against the URL the caller configured."""

from __future__ import annotations

from alembic import context

import portal.data.break_glass  # noqa: F401  (registers tables on Base.metadata)
import portal.data.meetings  # noqa: F401
import portal.data.models  # noqa: F401
import portal.data.notifications  # noqa: F401
import portal.data.relationships  # noqa: F401
import portal.data.sso  # noqa: F401
from portal.data.base import Base
from portal.extensions import make_engine

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database URL: set sqlalchemy.url in the Alembic config")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
