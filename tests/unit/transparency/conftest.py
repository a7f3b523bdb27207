"""Fixtures for the transparency tool: entries written through the real audit writer, and an IG client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from portal.audit.entry import AuditInput, RecordedEntry
from portal.audit.writer import AuditWriter


@pytest.fixture
def seed(app: Flask) -> Callable[..., list[RecordedEntry]]:
    """Write entries into the app's audit store, optionally at a fixed time."""
    from portal.extensions import audit_db

    def _seed(*entries: AuditInput, at: datetime | None = None) -> list[RecordedEntry]:
        writer = AuditWriter(audit_db, clock=(lambda: at) if at else (lambda: datetime.now(UTC)))
        return writer.record_many(list(entries))

    return _seed


@pytest.fixture
def ig_client(client, sign_in):  # type: ignore[no-untyped-def]
    return sign_in("ig.officer")
