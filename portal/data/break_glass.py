"""Break-glass grants: time-limited emergency access by one user to one child, and their queries.

A grant records who broke the glass, for which child, and the coded reason. The
justification they typed is checked here but kept only in the audit trail's start
entry, where IG reviews it: free text about a child is not kept twice. A grant is
configuration about access, not record content; the trail records start, stop and review.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.access.decision import BreakGlass, as_utc
from portal.access.purposes import BREAK_GLASS_REASONS
from portal.data.base import Base
from portal.data.relationships import PortalUser

DEFAULT_DURATION = timedelta(minutes=60)
MAX_DURATION = timedelta(hours=4)
MIN_JUSTIFICATION = 10  # characters: a reason an IG reviewer can act on, not "x"
REVIEW_OUTCOMES: dict[str, str] = {
    "appropriate": "Appropriate: access was justified",
    "inappropriate": "Inappropriate: refer under the organisation's policy",
    "follow_up": "Needs follow-up with the practitioner",
}


class BreakGlassError(ValueError):
    """Break-glass cannot be started or ended as asked; the message says why."""


class BreakGlassGrant(Base):
    """One break-glass access: a user, a child, a reason, a start and a fixed expiry."""

    __tablename__ = "break_glass_grants"
    __table_args__ = (Index("ix_break_glass_grants_user_id_child_chi", "user_id", "child_chi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    child_chi: Mapped[str] = mapped_column(String(10))
    reason_code: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every grant is a review task for IG until these are set.
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_outcome: Mapped[str | None] = mapped_column(String(32))
    review_note: Mapped[str | None] = mapped_column(Text)

    def as_break_glass(self) -> BreakGlass:
        """The detached value the access policy decides on."""
        return BreakGlass(
            user_id=self.user_id,
            child_chi=self.child_chi,
            reason_code=self.reason_code,
            started_at=as_utc(self.started_at),
            expires_at=as_utc(self.expires_at),
            ended_at=as_utc(self.ended_at) if self.ended_at is not None else None,
        )

    def is_active(self, now: datetime) -> bool:
        return self.as_break_glass().is_active(now)


def start_break_glass(
    session: Session,
    user: PortalUser,
    chi: str,
    reason_code: str,
    justification: str,
    now: datetime,
    duration: timedelta = DEFAULT_DURATION,
) -> BreakGlassGrant:
    """Start break-glass access to one child; an already active grant is returned unchanged (never extended)."""
    if reason_code not in BREAK_GLASS_REASONS:
        raise BreakGlassError("choose a reason for breaking the glass")
    if len((justification or "").strip()) < MIN_JUSTIFICATION:
        raise BreakGlassError(f"explain why you need access (at least {MIN_JUSTIFICATION} characters)")
    if not timedelta(0) < duration <= MAX_DURATION:
        raise BreakGlassError("break-glass access lasts between 1 minute and 4 hours")
    existing = active_break_glass(session, user, chi, now)
    if existing is not None:
        return existing
    moment = as_utc(now)
    grant = BreakGlassGrant(
        user_id=user.id,
        child_chi=chi,
        reason_code=reason_code,
        started_at=moment,
        expires_at=moment + duration,
    )
    session.add(grant)
    session.flush()
    return grant


def active_break_glass(session: Session, user: PortalUser, chi: str, now: datetime) -> BreakGlassGrant | None:
    """The user's break-glass grant for this child in force at `now`, if any."""
    moment = as_utc(now)
    query = (
        select(BreakGlassGrant)
        .where(
            BreakGlassGrant.user_id == user.id,
            BreakGlassGrant.child_chi == chi,
            BreakGlassGrant.started_at <= moment,
            BreakGlassGrant.expires_at > moment,
            BreakGlassGrant.ended_at.is_(None),
        )
        .order_by(BreakGlassGrant.started_at.desc(), BreakGlassGrant.id.desc())
    )
    return session.scalars(query).first()


def break_glass_for_decision(session: Session, user: PortalUser, chi: str, now: datetime) -> BreakGlass | None:
    """What `decide` needs: the active grant, else the latest one (so a refusal can say when it ended).

    One query for both (every view asks): the user's grants for this child, newest first, are a handful;
    the first in force is picked as `active_break_glass` picks it.
    """
    moment = as_utc(now)
    grants = session.scalars(
        select(BreakGlassGrant)
        .where(BreakGlassGrant.user_id == user.id, BreakGlassGrant.child_chi == chi)
        .order_by(BreakGlassGrant.started_at.desc(), BreakGlassGrant.id.desc())
    ).all()
    active = next((g for g in grants if g.ended_at is None
                   and as_utc(g.started_at) <= moment < as_utc(g.expires_at)), None)
    chosen = active if active is not None else (grants[0] if grants else None)
    return chosen.as_break_glass() if chosen is not None else None


def end_break_glass(session: Session, grant_id: int, now: datetime, user: PortalUser | None = None) -> BreakGlassGrant:
    """Stop a grant early; given a user, only their own grant. Ending an ended or expired grant changes nothing."""
    grant = session.get(BreakGlassGrant, grant_id)
    if grant is None or (user is not None and grant.user_id != user.id):
        raise BreakGlassError("no such break-glass access")
    moment = as_utc(now)
    if grant.ended_at is None and moment < as_utc(grant.expires_at):
        grant.ended_at = moment
        session.flush()
    return grant


def pending_break_glass_reviews(session: Session) -> Sequence[BreakGlassGrant]:
    """Grants IG has not reviewed yet, oldest first (the review queue)."""
    query = select(BreakGlassGrant).where(BreakGlassGrant.reviewed_at.is_(None)).order_by(BreakGlassGrant.started_at)
    return session.scalars(query).all()


def review_break_glass(
    session: Session, grant_id: int, reviewer_id: int, outcome: str, note: str, now: datetime
) -> BreakGlassGrant:
    """Record IG's review of a grant; nobody reviews their own, and a review is not overwritten."""
    grant = session.get(BreakGlassGrant, grant_id)
    if grant is None:
        raise BreakGlassError("no such break-glass access")
    if outcome not in REVIEW_OUTCOMES:
        raise BreakGlassError("choose a review outcome")
    if reviewer_id == grant.user_id:
        raise BreakGlassError("you cannot review your own break-glass access")
    if grant.reviewed_at is not None:
        raise BreakGlassError("this break-glass access has already been reviewed")
    grant.reviewed_at = as_utc(now)
    grant.reviewed_by = reviewer_id
    grant.review_outcome = outcome
    grant.review_note = note.strip() or None
    session.flush()
    return grant
