"""Liveness and readiness for the process supervisor (no personal data, no auth).

Ready means every view could be served: the configuration database answers, the audit
store accepts a write (every view is refused while it does not), the connector registry
loaded and the session store answers. A failed check says why, in words, never with a driver message.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.audit.models import audit_entries
from portal.extensions import db

bp = Blueprint("health", __name__)
# A probe row's sequence: far above any real one, random so concurrent probes rarely meet.
_PROBE_SEQUENCE_FLOOR = 1 << 62


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    reasons: dict[str, str] = {}
    checks = {
        "database": _reachable(db.engine),
        "audit_store": _audit_store_writable(reasons),
        "connectors": _connectors_loaded(reasons),
        "sessions": current_app.extensions["session_index"].reachable(),
    }
    if not checks["database"]:
        reasons["database"] = "the configuration database does not answer"
    if not checks["sessions"]:
        reasons["sessions"] = "the session store does not answer, so nobody can sign in"
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if reasons:
        body["reasons"] = reasons
    return jsonify(body), 200 if ready else 503


def _reachable(engine: Engine | None) -> bool:
    if engine is None:  # the database was never set up in this app
        return False
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def _probe_engine() -> Engine:
    """A pool-less engine on the audit store: each probe opens a fresh connection, as a restarted worker would,
    so a store made read-only under an already-open connection is still noticed."""
    engine = current_app.extensions.get("audit_probe_engine")
    if engine is None:
        url = current_app.config["AUDIT_DATABASE_URL"]
        args = {"timeout": 5} if url.startswith("sqlite") else {"connect_timeout": 5}
        engine = create_engine(url, poolclass=NullPool, connect_args=args)
        current_app.extensions["audit_probe_engine"] = engine
    return engine


def _audit_store_writable(reasons: dict[str, str]) -> bool:
    """Insert a probe entry and roll it back: nothing is left, the chain and its sequence are untouched.

    The row is never committed, so the append-only triggers (UPDATE/DELETE) never fire and no reader sees it.
    """
    probe = {
        "sequence": _PROBE_SEQUENCE_FLOOR + secrets.randbelow(1 << 61),
        "recorded_at": datetime.now(UTC),
        "event_type": "readiness_probe",
        "outcome": 0,
        "break_glass": False,
        "prev_hash": secrets.token_hex(32),
        "entry_hash": secrets.token_hex(32),
    }
    try:
        with _probe_engine().connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(insert(audit_entries).values(**probe))
            finally:
                transaction.rollback()
        return True
    except SQLAlchemyError as error:
        current_app.logger.warning("readiness: audit store not writable (%s)", type(error).__name__)
        reasons["audit_store"] = "the audit store cannot be written, so every view would be refused"
        return False


def _connectors_loaded(reasons: dict[str, str]) -> bool:
    from connectors.errors import ConfigurationError
    from portal.sources import registry

    try:
        return bool(registry().connectors) or _no_connectors(reasons)
    except (ConfigurationError, OSError, ValueError, KeyError) as error:
        current_app.logger.warning("readiness: connector registry did not load (%s)", type(error).__name__)
        reasons["connectors"] = "the connector registry did not load; check the connectors file and credentials"
        return False


def _no_connectors(reasons: dict[str, str]) -> bool:
    reasons["connectors"] = "no agency connectors are configured"
    return False
