"""What one access decision reads, in one Core statement: the user's (and team's) relationships with the child,
and the user's break-glass grants for the child.

Every view decides afresh, so this runs on every view: one round trip with no ORM session, and the choice of
which relationship and which grant `decide` sees made here, in Python, by the rules of
`relationship_for_decision` and `break_glass_for_decision` (a user holds a handful of either per child).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, String, and_, bindparam, literal_column, null, or_, select, type_coerce

from portal.access.decision import BreakGlass, RelationshipBasis, as_utc
from portal.data.break_glass import BreakGlassGrant
from portal.data.relationships import HOLDER_TEAM, HOLDER_USER, PortalUser, Relationship

RELATIONSHIP = "r"
GRANT = "g"

_relationships = Relationship.__table__.c
_grants = BreakGlassGrant.__table__.c
_TIME = DateTime(timezone=True)

# Built once: only the bound values change from view to view. Columns are shared by both halves: a relationship's
# (basis, source, holder, starts, ends) and a grant's (reason, -, -, started, expires, ended).
_BASIS = select(
    literal_column(f"'{RELATIONSHIP}'", String).label("kind"), _relationships.id,
    _relationships.basis.label("code"), _relationships.source, _relationships.holder_type,
    _relationships.starts_at.label("starts"), _relationships.ends_at.label("ends"),
    type_coerce(null(), _TIME).label("ended"),
).where(
    _relationships.child_chi == bindparam("chi"),
    or_(and_(_relationships.holder_type == HOLDER_USER, _relationships.user_id == bindparam("user_id")),
        and_(_relationships.holder_type == HOLDER_TEAM,
             _relationships.organisation_id == bindparam("organisation_id"))),
).union_all(select(
    literal_column(f"'{GRANT}'", String), _grants.id, _grants.reason_code, null(), null(),
    _grants.started_at, _grants.expires_at, _grants.ended_at,
).where(_grants.user_id == bindparam("user_id"), _grants.child_chi == bindparam("chi")))


def read_access_basis(connection: Connection, user: PortalUser, chi: str,
                      now: datetime) -> tuple[RelationshipBasis | None, BreakGlass | None]:
    """The relationship and the grant `decide` needs, read in one statement."""
    rows = connection.execute(_BASIS, {"chi": chi, "user_id": user.id,
                                       "organisation_id": user.organisation_id}).all()
    relationships = [row for row in rows if row.kind == RELATIONSHIP]
    grants = [row for row in rows if row.kind == GRANT]
    return choose_relationship(relationships, chi, now), choose_grant(grants, user.id, chi, now)


def _relationship(row: Any, chi: str) -> RelationshipBasis:
    return RelationshipBasis(basis=row.code, child_chi=chi, starts_at=as_utc(row.starts),
                             ends_at=as_utc(row.ends) if row.ends is not None else None,
                             source=row.source, holder=row.holder_type)


def choose_relationship(rows: Sequence[Any], chi: str, now: datetime) -> RelationshipBasis | None:
    """The relationship in force at `now`, a personal one before a team one, then the latest started;
    else the latest started of any (so a refusal can say it ended). As `relationship_for_decision` chooses."""
    moment = as_utc(now)
    # Newest first by (start, id); in force, personal first: 'user' sorts after 'team', so descending it leads.
    newest = sorted(((_relationship(row, chi), row.id) for row in rows),
                    key=lambda pair: (pair[0].starts_at, pair[1]), reverse=True)
    in_force = [basis for basis, row_id in sorted(newest, key=lambda pair: (pair[0].holder, pair[0].starts_at,
                                                                           pair[1]), reverse=True)
                if basis.is_active(moment)]
    if in_force:
        return in_force[0]
    return newest[0][0] if newest else None


def choose_grant(rows: Sequence[Any], user_id: int, chi: str, now: datetime) -> BreakGlass | None:
    """The grant in force at `now` (not ended early), latest started first; else the latest started (so a refusal
    can say when it ended). As `break_glass_for_decision` chooses."""
    moment = as_utc(now)
    grants = sorted(rows, key=lambda row: (as_utc(row.starts), row.id), reverse=True)
    active = next((row for row in grants
                   if row.ended is None and as_utc(row.starts) <= moment < as_utc(row.ends)), None)
    chosen = active if active is not None else (grants[0] if grants else None)
    if chosen is None:
        return None
    return BreakGlass(user_id=user_id, child_chi=chi, reason_code=chosen.code, started_at=as_utc(chosen.starts),
                      expires_at=as_utc(chosen.ends),
                      ended_at=as_utc(chosen.ended) if chosen.ended is not None else None)
