"""Accept an Engine, a Connection, or the app's `audit_db` wherever the audit code needs a database.

Taking these as parameters keeps the audit package usable (and testable) without Flask.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import Connection, Engine


class HasEngine(Protocol):
    """Anything with an `engine` attribute, such as `portal.extensions.Database` after `init_app`."""

    engine: Engine | None


Bind = Engine | Connection | HasEngine


def resolve_engine(bind: Engine | HasEngine) -> Engine:
    """The engine behind `bind`; resolved late so a writer can be built before `init_app` runs."""
    if isinstance(bind, Engine):
        return bind
    if bind.engine is None:
        raise RuntimeError("audit database used before init_app")
    return bind.engine


@contextmanager
def read_connection(bind: Bind) -> Iterator[Connection]:
    """A connection for reading: the caller's own if given one (so tests can read inside a transaction)."""
    if isinstance(bind, Connection):
        yield bind
        return
    with resolve_engine(bind).connect() as connection:
        yield connection
