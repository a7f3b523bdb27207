"""The portal's door to the audit trail: adds who/where from the request to each entry.

Views call `record(...)` (or `record_many`) *before* sending anything about a child;
if the trail cannot be written, `AuditUnavailable` propagates and the error handler
returns the 503 page with no content (fail closed).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from portal.audit.entry import AuditInput, RecordedEntry, SourceAudit, SubjectIdentifier, hash_session_id
from portal.audit.models import EventType, Outcome
from portal.audit.writer import AuditUnavailable, AuditWriter
from portal.extensions import audit_db
from portal.metrics import AUDIT_WRITE_FAILURES, AUDIT_WRITE_SECONDS

__all__ = ["AuditUnavailable", "SourceAudit", "SubjectIdentifier", "record", "record_many", "entry"]


def _writer() -> AuditWriter:
    writer = current_app.extensions.get("audit_writer")
    if writer is None:
        writer = AuditWriter(audit_db)
        current_app.extensions["audit_writer"] = writer
    return writer


def _request_context() -> dict[str, Any]:
    if not has_request_context():
        return {}
    # The server-side session id (hashed below): IG can follow one session, and it names what revocation ends.
    session_key = getattr(session, "sid", None) or session.get("signed_in_at")
    return {
        "client_address": request.remote_addr,
        "user_agent": request.headers.get("User-Agent", ""),
        "session_hash": hash_session_id(f"{session_key}") if session_key else None,
    }


def _user_context(user: Any) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {
        "user_id": user.username,
        "user_display_name": user.display_name,
        "user_role": user.role,
        "organisation": f"{user.agency}: {user.organisation}",
        "team": user.team,
    }


def entry(event_type: str, *, user: Any = None, outcome: int = 0, outcome_text: str | None = None,
          details: Mapping[str, Any] | None = None, **fields: Any) -> AuditInput:
    """An AuditInput with the request's who/where filled in; `fields` are AuditInput's other fields."""
    if user is None and has_request_context():
        user = current_user
    return AuditInput(
        event_type=EventType(event_type),
        outcome=Outcome(outcome),
        outcome_text=outcome_text,
        details=dict(details or {}),
        **_user_context(user),
        **_request_context(),
        **fields,
    )


def record(event_type: str, **kwargs: Any) -> RecordedEntry:
    """Commit one entry now; raises AuditUnavailable if the trail cannot be written."""
    return record_many([entry(event_type, **kwargs)])[0]


def record_many(entries: Sequence[AuditInput]) -> list[RecordedEntry]:
    """Commit several entries in one transaction (a search: one entry per child returned)."""
    started = time.perf_counter()
    try:
        recorded = _writer().record_many(entries)
    except AuditUnavailable:
        AUDIT_WRITE_FAILURES.inc()
        raise
    AUDIT_WRITE_SECONDS.observe(time.perf_counter() - started)
    return recorded

