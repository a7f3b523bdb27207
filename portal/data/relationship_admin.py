"""Queries and commands behind the admins' relationships page, each in a transaction of its own.

Views get plain frozen values back, never ORM objects, so nothing outside
`portal/data/` touches a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access.decision import as_utc
from portal.access.roles import RELATIONSHIP_BASES
from portal.data.models import Organisation, User
from portal.data.relationships import HOLDER_USER, Relationship, RelationshipError, add_relationship, end_relationship
from portal.extensions import db

__all__ = ["HolderChoice", "PortalPerson", "RelationshipError", "RelationshipPage", "RelationshipRow",
           "create_relationship", "end_relationship_now", "holder_choices", "page_of_relationships", "relationship_row",
           "practitioners_named"]


@dataclass(frozen=True)
class RelationshipRow:
    """One relationship as the admin page shows it."""

    id: int
    child_chi: str
    basis: str
    basis_label: str
    holder: str  # "Jo Campbell (health.visitor)" or "Health Visiting North (NHS Glenmorven)"
    holder_type: str
    source: str
    starts_at: datetime
    ends_at: datetime | None
    active: bool


@dataclass(frozen=True)
class RelationshipPage:
    rows: tuple[RelationshipRow, ...]
    number: int
    total: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class HolderChoice:
    """Someone who can hold a relationship: value is 'user:<id>' or 'team:<id>'."""

    value: str
    label: str


def _row(relationship: Relationship, users: dict[int, User], teams: dict[int, Organisation],
         now: datetime) -> RelationshipRow:
    if relationship.holder_type == HOLDER_USER and relationship.user_id is not None:
        user = users.get(relationship.user_id)
        holder = f"{user.display_name} ({user.username})" if user else f"user {relationship.user_id}"
    else:
        team = teams.get(relationship.organisation_id or 0)
        holder = f"{team.team} ({team.name})" if team else f"team {relationship.organisation_id}"
    return RelationshipRow(
        id=relationship.id,
        child_chi=relationship.child_chi,
        basis=relationship.basis,
        basis_label=RELATIONSHIP_BASES.get(relationship.basis, relationship.basis),
        holder=holder,
        holder_type=relationship.holder_type,
        source=relationship.source,
        starts_at=as_utc(relationship.starts_at),
        ends_at=as_utc(relationship.ends_at) if relationship.ends_at is not None else None,
        active=relationship.is_active(now),
    )


def page_of_relationships(child_chi: str | None, page: int, page_size: int, now: datetime,
                          holder: str | None = None) -> RelationshipPage:
    """Relationships (for one child if `child_chi`, one holder if `holder` is "user:ID" or "team:ID"),
    newest start first, one page of them."""
    with db.session() as session:
        condition = [Relationship.child_chi == child_chi] if child_chi else []
        kind, _, raw_id = (holder or "").partition(":")
        if raw_id.isdigit() and kind == "user":
            condition.append(Relationship.user_id == int(raw_id))
        elif raw_id.isdigit() and kind == "team":
            condition.append(Relationship.organisation_id == int(raw_id))
        total = session.scalar(select(func.count()).select_from(Relationship).where(*condition)) or 0
        last_page = max(1, -(-total // page_size))
        number = min(max(1, page), last_page)
        found = session.scalars(
            select(Relationship).where(*condition)
            .order_by(Relationship.starts_at.desc(), Relationship.id.desc())
            .limit(page_size).offset((number - 1) * page_size)
        ).all()
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({r.user_id for r in found})))}
        teams = {o.id: o for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({r.organisation_id for r in found})))}
        rows = tuple(_row(r, users, teams, now) for r in found)
    return RelationshipPage(rows, number, total, page_size)


def relationship_row(relationship_id: int, now: datetime) -> RelationshipRow | None:
    """One relationship as the list shows it (for the "are you sure?" page), or None."""
    with db.session() as session:
        found = session.get(Relationship, relationship_id)
        if found is None:
            return None
        users = {u.id: u for u in session.scalars(select(User).where(User.id == found.user_id))}
        teams = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id == found.organisation_id))}
        return _row(found, users, teams, now)


def holder_choices() -> list[HolderChoice]:
    """Every active practitioner account and every practitioner team, for the holder select."""
    with db.session() as session:
        users = session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(("practitioner", "lead_professional")))
            .order_by(User.display_name)
        ).all()
        teams = session.scalars(
            select(Organisation).where(Organisation.agency != "portal").order_by(Organisation.agency, Organisation.team)
        ).all()
        return ([HolderChoice(f"user:{u.id}", f"{u.display_name} ({u.username})") for u in users]
                + [HolderChoice(f"team:{o.id}", f"Team: {o.team} ({o.name})") for o in teams])


def create_relationship(*, child_chi: str, basis: str, holder: str, starts_at: datetime, ends_at: datetime | None,
                        source: str, created_by: int) -> RelationshipRow:
    """Record a relationship for 'user:<id>' or 'team:<id>'; raises RelationshipError with a message for the form."""
    kind, _, raw_id = holder.partition(":")
    if kind not in ("user", "team") or not raw_id.isdigit():
        raise RelationshipError("choose who holds the relationship")
    with db.session() as session:
        model = User if kind == "user" else Organisation
        if session.get(model, int(raw_id)) is None:
            raise RelationshipError("choose who holds the relationship")
        ids = {"user_id": int(raw_id)} if kind == "user" else {"organisation_id": int(raw_id)}
        relationship = add_relationship(session, child_chi=child_chi, basis=basis, starts_at=starts_at,
                                        ends_at=ends_at, source=source, created_by=created_by, **ids)
        return _described(session, relationship, starts_at)


def end_relationship_now(relationship_id: int, now: datetime) -> RelationshipRow:
    """End a relationship at `now`; raises RelationshipError if it does not exist or has not started."""
    with db.session() as session:
        relationship = end_relationship(session, relationship_id, now)
        return _described(session, relationship, now)


def _described(session: Session, relationship: Relationship, now: datetime) -> RelationshipRow:
    user = session.get(User, relationship.user_id) if relationship.user_id else None
    team = session.get(Organisation, relationship.organisation_id) if relationship.organisation_id else None
    return _row(relationship, {user.id: user} if user else {}, {team.id: team} if team else {}, now)


@dataclass(frozen=True)
class PortalPerson:
    """A practitioner account a source names, and whether they already hold a relationship with the child."""

    user_id: int
    username: str
    display_name: str
    already_holds: bool


def practitioners_named(names: set[str], child_chi: str, bases: set[str], now: datetime) -> list[PortalPerson]:
    """Active practitioner accounts whose display name equals one of `names` (ignoring case and spacing)."""
    wanted = {" ".join(name.split()).casefold() for name in names}
    with db.session() as session:
        users = [u for u in session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(("practitioner", "lead_professional"))))
            if " ".join(u.display_name.split()).casefold() in wanted]
        people = []
        for user in users:
            held = session.scalars(select(Relationship).where(
                Relationship.child_chi == child_chi, Relationship.user_id == user.id,
                Relationship.basis.in_(bases))).all()
            people.append(PortalPerson(user.id, user.username, user.display_name,
                                       any(r.is_active(now) for r in held)))
        return people
