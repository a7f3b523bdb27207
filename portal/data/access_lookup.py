"""The access questions a view asks, each in a transaction of its own.

Views and the child-view service call these rather than opening sessions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.access.decision import BreakGlass, RelationshipBasis
from portal.data.access_basis import read_access_basis
from portal.data.break_glass import (
    DEFAULT_DURATION,
    BreakGlassError,
    active_break_glass,
    break_glass_for_decision,
    end_break_glass,
    start_break_glass,
)
from portal.data.relationships import PortalUser, relationship_for_decision
from portal.extensions import db

__all__ = ["BreakGlassError", "StartedBreakGlass", "access_basis_for", "begin_break_glass", "break_glass_for",
           "finish_break_glass", "relationship_for"]


@dataclass(frozen=True)
class StartedBreakGlass:
    grant_id: int
    grant: BreakGlass
    already_active: bool


def relationship_for(user: PortalUser, chi: str, now: datetime) -> RelationshipBasis | None:
    with db.session() as session:
        return relationship_for_decision(session, user, chi, now)


def access_basis_for(user: PortalUser, chi: str, now: datetime) -> tuple[RelationshipBasis | None, BreakGlass | None]:
    """Both things an access decision reads, in one statement (every view asks, afresh: nothing is kept)."""
    with db.reading() as connection:
        return read_access_basis(connection, user, chi, now)


def break_glass_for(user: PortalUser, chi: str, now: datetime) -> BreakGlass | None:
    with db.session() as session:
        return break_glass_for_decision(session, user, chi, now)


def begin_break_glass(user: PortalUser, chi: str, reason_code: str, justification: str, now: datetime,
                      duration: timedelta = DEFAULT_DURATION) -> StartedBreakGlass:
    """Start (or return the already active) grant; raises BreakGlassError with a message for the form."""
    with db.session() as session:
        existing = active_break_glass(session, user, chi, now)
        grant = start_break_glass(session, user, chi, reason_code, justification, now, duration)
        return StartedBreakGlass(grant.id, grant.as_break_glass(), existing is not None)


def finish_break_glass(user: PortalUser, chi: str, now: datetime) -> int | None:
    """End the user's active grant for this child early; the grant id, or None if none was active."""
    with db.session() as session:
        grant = active_break_glass(session, user, chi, now)
        if grant is None:
            return None
        end_break_glass(session, grant.id, now, user=user)
        return grant.id
