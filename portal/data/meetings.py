"""Meetings about one child: metadata, attendees as roles and organisations, and item ids — never content.

The child is held only as the chair's encrypted child reference (the same opaque token the child's
page URL carries), so no CHI or name sits here in clear. Items are (agency, source record id) pairs:
the chair's selection, what went on screen and what was revealed with a coded reason. The selection
expires with the meeting; what was shown and revealed stays, as ids, for the minutes record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.access.decision import as_utc
from portal.data.base import Base
from portal.extensions import db

ItemKey = tuple[str, str]
MAX_LENGTH = timedelta(hours=4)  # a meeting's time box is never extended past this from its start
KIND_SELECTED, KIND_SHOWN, KIND_REVEALED = "selected", "shown", "revealed"


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(43), unique=True)
    chair_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    meeting_type: Mapped[str] = mapped_column(String(32))
    family_present: Mapped[bool] = mapped_column(Boolean)
    child_present: Mapped[bool] = mapped_column(Boolean)
    child_reference: Mapped[str] = mapped_column(Text)  # encrypted, bound to the chair, expiring
    mask_key: Mapped[str] = mapped_column(String(64))  # orders role substitutes; differs per meeting
    status: Mapped[str] = mapped_column(String(16))  # preparing | live | ended | timed_out
    selection_saved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))


class MeetingItem(Base):
    __tablename__ = "meeting_items"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "agency", "record_id"),
                      Index("ix_meeting_items_meeting_id", "meeting_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    kind: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Attendee:
    role: str
    organisation: str
    user_id: int | None = None


@dataclass(frozen=True)
class Reveal:
    agency: str
    record_id: str
    reason_code: str
    at: datetime


@dataclass(frozen=True)
class MeetingInfo:
    """One meeting, detached from the database session."""

    id: int
    public_id: str
    chair_user_id: int
    meeting_type: str
    family_present: bool
    child_present: bool
    child_reference: str
    mask_key: str
    status: str
    created_at: datetime
    started_at: datetime | None
    expires_at: datetime
    ended_at: datetime | None
    attendees: tuple[Attendee, ...]
    selection: frozenset[ItemKey] | None
    shown: tuple[ItemKey, ...]
    reveals: tuple[Reveal, ...]

    @property
    def family_in_room(self) -> bool:
        return self.family_present or self.child_present

    @property
    def revealed(self) -> frozenset[ItemKey]:
        return frozenset((r.agency, r.record_id) for r in self.reveals)

    def expired(self, now: datetime) -> bool:
        return as_utc(now) >= as_utc(self.expires_at)


class MeetingError(ValueError):
    """The meeting cannot do what was asked (ended, timed out, not this user's)."""


def create_meeting(chair_user_id: int, meeting_type: str, family_present: bool, child_present: bool,
                   child_reference: str, attendees: list[Attendee], now: datetime, time_box: timedelta) -> MeetingInfo:
    """A new meeting, being prepared (not yet on screen)."""
    with db.session() as session:
        meeting = Meeting(public_id=secrets.token_urlsafe(24), chair_user_id=chair_user_id, meeting_type=meeting_type,
                          family_present=family_present, child_present=child_present, child_reference=child_reference,
                          mask_key=secrets.token_hex(32), status="preparing", selection_saved=False,
                          created_at=as_utc(now), expires_at=as_utc(now) + time_box)
        session.add(meeting)
        session.flush()
        session.add_all(MeetingAttendee(meeting_id=meeting.id, user_id=a.user_id, role=a.role[:200],
                                        organisation=a.organisation[:200]) for a in attendees)
        session.flush()
        return _info(session, meeting)


def find_meeting(public_id: str, chair_user_id: int) -> MeetingInfo | None:
    """The meeting, if it exists and this user chairs it."""
    with db.session() as session:
        meeting = _meeting(session, public_id, chair_user_id)
        return _info(session, meeting) if meeting else None


def start_meeting(public_id: str, chair_user_id: int, now: datetime, time_box: timedelta) -> MeetingInfo:
    with db.session() as session:
        meeting = _open(session, public_id, chair_user_id)
        meeting.status = "live"
        meeting.started_at = as_utc(now)
        meeting.expires_at = as_utc(now) + time_box
        session.flush()
        return _info(session, meeting)


def extend_meeting(public_id: str, chair_user_id: int, now: datetime, time_box: timedelta) -> MeetingInfo:
    """Push the time box back to `time_box` from now, never past MAX_LENGTH from the start."""
    with db.session() as session:
        meeting = _open(session, public_id, chair_user_id, now)
        start = as_utc(meeting.started_at or meeting.created_at)
        meeting.expires_at = min(as_utc(now) + time_box, start + MAX_LENGTH)
        session.flush()
        return _info(session, meeting)


def set_presence(public_id: str, chair_user_id: int, family_present: bool, child_present: bool,
                 now: datetime) -> MeetingInfo:
    with db.session() as session:
        meeting = _open(session, public_id, chair_user_id, now)
        meeting.family_present, meeting.child_present = family_present, child_present
        session.flush()
        return _info(session, meeting)


def save_selection(public_id: str, chair_user_id: int, keys: set[ItemKey], now: datetime) -> MeetingInfo:
    """Replace the chair's pick of events to show (ids and source names only)."""
    with db.session() as session:
        meeting = _open(session, public_id, chair_user_id, now)
        session.execute(delete(MeetingItem).where(MeetingItem.meeting_id == meeting.id,
                                                  MeetingItem.kind == KIND_SELECTED))
        session.add_all(MeetingItem(meeting_id=meeting.id, kind=KIND_SELECTED, agency=a[:64], record_id=r[:200],
                                    at=as_utc(now)) for a, r in sorted(keys))
        meeting.selection_saved = True
        session.flush()
        return _info(session, meeting)


def record_shown(meeting_id: int, keys: list[ItemKey], now: datetime) -> None:
    """Note the items put on screen (once each), for the minutes record."""
    with db.session() as session:
        seen = {(row.agency, row.record_id) for row in session.execute(
            select(MeetingItem.agency, MeetingItem.record_id).where(MeetingItem.meeting_id == meeting_id,
                                                                   MeetingItem.kind == KIND_SHOWN))}
        fresh = [key for key in dict.fromkeys(keys) if key not in seen]
        session.add_all(MeetingItem(meeting_id=meeting_id, kind=KIND_SHOWN, agency=a[:64], record_id=r[:200],
                                    at=as_utc(now)) for a, r in fresh)


def add_reveal(public_id: str, chair_user_id: int, key: ItemKey, reason_code: str, now: datetime) -> MeetingInfo:
    with db.session() as session:
        meeting = _open(session, public_id, chair_user_id, now)
        exists = session.scalars(select(MeetingItem).where(
            MeetingItem.meeting_id == meeting.id, MeetingItem.kind == KIND_REVEALED,
            MeetingItem.agency == key[0], MeetingItem.record_id == key[1])).first()
        if exists is None:
            session.add(MeetingItem(meeting_id=meeting.id, kind=KIND_REVEALED, agency=key[0][:64],
                                    record_id=key[1][:200], reason_code=reason_code, at=as_utc(now)))
        session.flush()
        return _info(session, meeting)


def end_meeting(public_id: str, chair_user_id: int, now: datetime, *, timed_out: bool = False) -> MeetingInfo:
    """End (or time out) the meeting; its selection expires with it. Ending twice changes nothing."""
    with db.session() as session:
        meeting = _meeting(session, public_id, chair_user_id)
        if meeting is None:
            raise MeetingError("no such meeting")
        if meeting.status in ("preparing", "live"):
            meeting.status = "timed_out" if timed_out else "ended"
            meeting.ended_at = min(as_utc(now), as_utc(meeting.expires_at)) if timed_out else as_utc(now)
            session.execute(delete(MeetingItem).where(MeetingItem.meeting_id == meeting.id,
                                                      MeetingItem.kind == KIND_SELECTED))
        session.flush()
        return _info(session, meeting)


def _meeting(session: Session, public_id: str, chair_user_id: int) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.public_id == public_id,
                                                 Meeting.chair_user_id == chair_user_id)).first()


def _open(session: Session, public_id: str, chair_user_id: int, now: datetime | None = None) -> Meeting:
    meeting = _meeting(session, public_id, chair_user_id)
    if meeting is None:
        raise MeetingError("no such meeting")
    if meeting.status not in ("preparing", "live"):
        raise MeetingError("this meeting has ended")
    if now is not None and as_utc(now) >= as_utc(meeting.expires_at):
        raise MeetingError("this meeting timed out")
    return meeting


def _info(session: Session, meeting: Meeting) -> MeetingInfo:
    attendees = session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id)
                                .order_by(MeetingAttendee.id)).all()
    items = session.scalars(select(MeetingItem).where(MeetingItem.meeting_id == meeting.id)
                            .order_by(MeetingItem.at, MeetingItem.id)).all()
    selected = frozenset((i.agency, i.record_id) for i in items if i.kind == KIND_SELECTED)
    return MeetingInfo(
        id=meeting.id, public_id=meeting.public_id, chair_user_id=meeting.chair_user_id,
        meeting_type=meeting.meeting_type, family_present=meeting.family_present,
        child_present=meeting.child_present, child_reference=meeting.child_reference, mask_key=meeting.mask_key,
        status=meeting.status, created_at=as_utc(meeting.created_at),
        started_at=as_utc(meeting.started_at) if meeting.started_at else None,
        expires_at=as_utc(meeting.expires_at), ended_at=as_utc(meeting.ended_at) if meeting.ended_at else None,
        attendees=tuple(Attendee(a.role, a.organisation, a.user_id) for a in attendees),
        selection=selected if meeting.selection_saved and meeting.status in ("preparing", "live") else None,
        shown=tuple((i.agency, i.record_id) for i in items if i.kind == KIND_SHOWN),
        reveals=tuple(Reveal(i.agency, i.record_id, i.reason_code or "", as_utc(i.at))
                      for i in items if i.kind == KIND_REVEALED),
    )
