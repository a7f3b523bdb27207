"""Fixtures for the IG workspace tests: seeding crafted entries into the app's audit store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from portal.audit.entry import AuditInput, RecordedEntry, SourceAudit
from portal.audit.writer import AuditWriter

CHILD_CHI = "0101011237"  # valid Mod-11 CHI used throughout these tests (made up)
OTHER_CHI = "1502125676"

ViewerOrg = {
    "health.visitor": ("Jo Campbell", "practitioner", "health: NHS Glenmorven"),
    "teacher": ("Sam Reid", "practitioner", "education: Glenmorven Council Education"),
    "police.concern": ("Chris Baird", "practitioner", "police: Police Scotland"),
    "lead.professional": ("Alex Morrison", "lead_professional", "social_work: Glenmorven Council Social Work"),
}


def crafted(event_type: str, user: str = "health.visitor", **fields: Any) -> AuditInput:
    """An AuditInput as a practitioner's action would record it."""
    name, role, organisation = ViewerOrg.get(user, (user.title(), "practitioner", "health: NHS Glenmorven"))
    fields.setdefault("user_display_name", name)
    return AuditInput(event_type=event_type, user_id=user, user_role=role, organisation=organisation, **fields)


def view(user: str = "health.visitor", chi: str = CHILD_CHI, **fields: Any) -> AuditInput:
    fields.setdefault("relationship_basis", "named_person")
    fields.setdefault("purpose_code", "wellbeing")
    fields.setdefault("purpose_of_use", "COC")
    fields.setdefault("sources", (SourceAudit("health", "answered", 120, 4, ("h-1", "h-2")),
                                  SourceAudit("education", "answered", 80, 2)))
    return crafted("view_child", user, subject_chi=chi, **fields)


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
