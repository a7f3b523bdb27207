"""Legitimate relationships between practitioners (or their teams) and a child, and their queries.

A relationship is configuration: it says *that* a user or team works with the
child identified by a CHI, on what basis and for how long. It never holds
anything from the child's record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import CheckConstraint, ColumnElement, DateTime, ForeignKey, Index, String, and_, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.access.decision import RelationshipBasis, as_utc
from portal.access.roles import RELATIONSHIP_BASES, TIME_LIMITED_BASES
from portal.agencies import configured_agencies
from portal.data.base import Base
from portal.record.identify import validate_chi

HOLDER_USER = "user"
HOLDER_TEAM = "team"
_CHI_FORMAT = re.compile(r"^\d{10}$")


class RelationshipError(ValueError):
    """A relationship that cannot be recorded; the message says why (and never contains the CHI)."""


class PortalUser(Protocol):
    """What the queries need of a user: the ORM User and the signed-in snapshot both fit (read only)."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> int: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class Relationship(Base):
    """A user's or a team's legitimate relationship with one child, from `starts_at` until `ends_at`."""

    __tablename__ = "relationships"
    __table_args__ = (
        CheckConstraint(
            "(holder_type = 'user' AND user_id IS NOT NULL AND organisation_id IS NULL) OR "
            "(holder_type = 'team' AND organisation_id IS NOT NULL AND user_id IS NULL)",
            name="one_holder",
        ),
        CheckConstraint("basis != 'cp_enquiry' OR ends_at IS NOT NULL", name="cp_enquiry_has_end"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_relationships_child_chi_starts_at", "child_chi", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_chi: Mapped[str] = mapped_column(String(10))  # a string: CHIs may start with 0
    holder_type: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    basis: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64), default="admin")  # 'admin' | 'import' | 'source:<agency>'
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def is_active(self, now: datetime) -> bool:
        return self.as_basis().is_active(now)

    def as_basis(self) -> RelationshipBasis:
        """The detached value the access policy decides on."""
        return RelationshipBasis(
            basis=self.basis,
            child_chi=self.child_chi,
            starts_at=as_utc(self.starts_at),
            ends_at=as_utc(self.ends_at) if self.ends_at is not None else None,
            source=self.source,
            holder=self.holder_type,
        )


def check_relationship(
    *,
    child_chi: str,
    basis: str,
    starts_at: datetime,
    ends_at: datetime | None,
    user_id: int | None,
    organisation_id: int | None,
    source: str,
) -> None:
    """Raise RelationshipError if these values cannot make a valid relationship."""
    if not isinstance(child_chi, str) or not _CHI_FORMAT.match(child_chi):
        raise RelationshipError("the CHI must be 10 digits")
    chi_check = validate_chi(child_chi)
    if not chi_check.valid:
        raise RelationshipError(f"the CHI is not valid: {chi_check.reason}")
    if basis not in RELATIONSHIP_BASES:
        raise RelationshipError(f"unknown basis {basis!r} (known: {', '.join(RELATIONSHIP_BASES)})")
    if (user_id is None) == (organisation_id is None):
        raise RelationshipError("a relationship is held by exactly one user or one team")
    if basis in TIME_LIMITED_BASES and ends_at is None:
        raise RelationshipError(f"a {RELATIONSHIP_BASES[basis].lower()} relationship must have an end date")
    if ends_at is not None and as_utc(ends_at) <= as_utc(starts_at):
        raise RelationshipError("the end must be after the start")
    kind, _, agency = source.partition(":")
    if not (source in ("admin", "import") or (kind == "source" and agency in configured_agencies())):
        raise RelationshipError(f"unknown source {source!r} (use admin, import or source:<agency>)")


def add_relationship(
    session: Session,
    *,
    child_chi: str,
    basis: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    user_id: int | None = None,
    organisation_id: int | None = None,
    source: str = "admin",
    created_by: int | None = None,
) -> Relationship:
    """Record a relationship for a user (user_id) or a team (organisation_id); raises RelationshipError."""
    check_relationship(
        child_chi=child_chi,
        basis=basis,
        starts_at=starts_at,
        ends_at=ends_at,
        user_id=user_id,
        organisation_id=organisation_id,
        source=source,
    )
    relationship = Relationship(
        child_chi=child_chi,
        holder_type=HOLDER_USER if user_id is not None else HOLDER_TEAM,
        user_id=user_id,
        organisation_id=organisation_id,
        basis=basis,
        source=source,
        starts_at=as_utc(starts_at),
        ends_at=as_utc(ends_at) if ends_at is not None else None,
        created_by=created_by,
    )
    session.add(relationship)
    session.flush()
    return relationship


def end_relationship(session: Session, relationship_id: int, ended_at: datetime) -> Relationship:
    """End a relationship at `ended_at` (never extends one that already ends sooner)."""
    relationship = session.get(Relationship, relationship_id)
    if relationship is None:
        raise RelationshipError(f"no relationship with id {relationship_id}")
    moment = as_utc(ended_at)
    if moment <= as_utc(relationship.starts_at):
        raise RelationshipError("the end must be after the start")
    if relationship.ends_at is None or moment < as_utc(relationship.ends_at):
        relationship.ends_at = moment
        session.flush()
    return relationship


def _held_by(user: PortalUser) -> ColumnElement[bool]:
    """SQL condition: held by the user, or by the user's team."""
    return or_(
        and_(Relationship.holder_type == HOLDER_USER, Relationship.user_id == user.id),
        and_(Relationship.holder_type == HOLDER_TEAM, Relationship.organisation_id == user.organisation_id),
    )


def active_relationship(session: Session, user: PortalUser, chi: str, now: datetime) -> Relationship | None:
    """The user's (or their team's) relationship with the child in force at `now`; personal ones first."""
    moment = as_utc(now)
    query = (
        select(Relationship)
        .where(
            Relationship.child_chi == chi,
            _held_by(user),
            Relationship.starts_at <= moment,
            or_(Relationship.ends_at.is_(None), Relationship.ends_at > moment),
        )
        # 'team' sorts after 'user' descending, so a personal relationship wins over a team one.
        .order_by(Relationship.holder_type.desc(), Relationship.starts_at.desc(), Relationship.id.desc())
    )
    for relationship in session.scalars(query):
        if relationship.is_active(moment):
            return relationship
    return None


def relationship_for_decision(session: Session, user: PortalUser, chi: str, now: datetime) -> RelationshipBasis | None:
    """What `decide` needs: the active relationship, else the latest one (so a refusal can say it ended)."""
    active = active_relationship(session, user, chi, now)
    if active is not None:
        return active.as_basis()
    latest = session.scalars(
        select(Relationship)
        .where(Relationship.child_chi == chi, _held_by(user))
        .order_by(Relationship.starts_at.desc(), Relationship.id.desc())
        .limit(1)
    ).first()
    return latest.as_basis() if latest is not None else None


def list_relationships(
    session: Session,
    *,
    child_chi: str | None = None,
    user: PortalUser | None = None,
    organisation_id: int | None = None,
    active_at: datetime | None = None,
) -> Sequence[Relationship]:
    """Relationships filtered by child, holder (a user includes their team's) and/or in force at a moment."""
    query = select(Relationship)
    if child_chi is not None:
        query = query.where(Relationship.child_chi == child_chi)
    if user is not None:
        query = query.where(_held_by(user))
    if organisation_id is not None:
        query = query.where(Relationship.organisation_id == organisation_id)
    if active_at is not None:
        moment = as_utc(active_at)
        query = query.where(
            Relationship.starts_at <= moment, or_(Relationship.ends_at.is_(None), Relationship.ends_at > moment)
        )
    return session.scalars(query.order_by(Relationship.starts_at.desc(), Relationship.id.desc())).all()
