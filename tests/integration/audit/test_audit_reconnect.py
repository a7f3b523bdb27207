"""After the database drops its connections (a restart, a failover), the portal's engine recovers:
a connection lost while idle in the pool is replaced before use, and one lost in use fails that
append closed and the next one reconnects. Connections are dropped with pg_terminate_backend,
only this test's own."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

from portal.audit import AuditUnavailable, AuditWriter, verify_chain
from portal.extensions import make_engine

from .conftest import PG_URL

pytestmark = pytest.mark.postgres

IDLE_PING_AFTER_S = 0.2


def _portal_engine(schema: str, idle_ping_after_s: float) -> Engine:
    """The portal's own engine (one pooled connection), pointed at the test's schema."""
    options = quote(f"-csearch_path={schema}")
    return make_engine(f"{PG_URL}?options={options}", 1, 0, 5.0, idle_ping_after_s=idle_ping_after_s)


def _drop_pooled_connection(engine: Engine) -> None:
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        admin.dispose()


def test_a_connection_lost_while_idle_is_replaced_before_the_next_append(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    engine = _portal_engine(pg_store.schema, IDLE_PING_AFTER_S)
    try:
        writer = AuditWriter(engine)
        writer.record(make_input(0))
        _drop_pooled_connection(engine)
        time.sleep(IDLE_PING_AFTER_S * 2)  # idle for longer than the ping threshold, as across a restart

        assert writer.record(make_input(1)).sequence == 2  # no practitioner sees an error
    finally:
        engine.dispose()
    assert verify_chain(pg_store.engine).entries_checked == 2


def test_a_connection_lost_in_use_fails_that_append_closed_and_the_next_reconnects(pg_store, make_input) -> None:  # type: ignore[no-untyped-def]
    engine = _portal_engine(pg_store.schema, idle_ping_after_s=3600)  # never idle long enough to be pinged
    try:
        writer = AuditWriter(engine)
        writer.record(make_input(0))
        _drop_pooled_connection(engine)

        with pytest.raises(AuditUnavailable):
            writer.record(make_input(1))
        assert writer.record(make_input(2)).sequence == 2
    finally:
        engine.dispose()
    result = verify_chain(pg_store.engine)
    assert result.ok and result.entries_checked == 2
