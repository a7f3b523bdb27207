"""Notifications and their delivery records: the only code that reads or writes them.

A notification says who acted, when and why in words, and carries an opaque link token;
it never holds a CHI, a child's name or record content. The child a break-glass link opens
is found through the grant it names, and only for the notification's recipient.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, and_, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.data.base import Base
from portal.data.break_glass import BreakGlassGrant
from portal.data.models import Organisation, User
from portal.data.relationships import HOLDER_TEAM, HOLDER_USER, Relationship
from portal.extensions import db

PORTAL = "portal"
EMAIL = "email"
PENDING, SENT, FAILED, GAVE_UP = "pending", "sent", "failed", "gave_up"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Notification(Base):
    """One message to one recipient on one channel, and how its delivery went."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # 'break_glass' | 'break_glass_ig' | 'ig_digest'
    channel: Mapped[str] = mapped_column(String(16))  # 'portal' | 'email'
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(320))  # e-mail address (a user's, or IG's mailbox)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link_token: Mapped[str | None] = mapped_column(String(64), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("break_glass_grants.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))  # an error type, never a message that may quote data


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    username: str | None
    email: str | None


@dataclass(frozen=True)
class OutgoingNotification:
    """A notification as a channel sees it (detached from the ORM)."""

    id: int
    kind: str
    channel: str
    recipient_user_id: int | None
    recipient_label: str  # a username or "IG mailbox": for the audit entry
    address: str | None
    subject: str
    body: str
    attempts: int
    status: str


@dataclass(frozen=True)
class InboxItem:
    id: int
    kind: str
    subject: str
    body: str
    created_at: datetime
    read: bool
    link_token: str | None


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


def add_notifications(rows: Sequence[dict[str, Any]]) -> list[int]:
    """Store new notifications (each a dict of Notification's fields); their ids, in order."""
    with db.session() as session:
        items = [Notification(**row) for row in rows]
        session.add_all(items)
        session.flush()
        return [item.id for item in items]


def _label(session: Session, item: Notification) -> str:
    if item.recipient_user_id is None:
        return "IG mailbox"  # the only notifications without an account: e-mail to IG_ALERT_EMAIL
    user = session.get(User, item.recipient_user_id)
    return user.username if user else f"user {item.recipient_user_id}"


def _outgoing(session: Session, item: Notification) -> OutgoingNotification:
    return OutgoingNotification(item.id, item.kind, item.channel, item.recipient_user_id, _label(session, item),
                                item.address, item.subject, item.body, item.attempts, item.status)


def outgoing(ids: Sequence[int]) -> list[OutgoingNotification]:
    with db.session() as session:
        items = session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id))
        return [_outgoing(session, item) for item in items]


def due_for_retry(max_attempts: int, pending_grace: timedelta = timedelta(minutes=2)) -> list[OutgoingNotification]:
    """Failed deliveries with attempts left, and pending ones older than `pending_grace` (younger ones may still be
    on their way from the background sender: retrying them now could send twice), oldest first."""
    cutoff = utcnow() - pending_grace
    with db.session() as session:
        query = (select(Notification)
                 .where(or_(Notification.status == FAILED,
                            and_(Notification.status == PENDING, Notification.created_at < cutoff)),
                        Notification.attempts < max_attempts)
                 .order_by(Notification.id))
        return [_outgoing(session, item) for item in session.scalars(query)]


def record_attempt(notification_id: int, ok: bool, error: str | None, max_attempts: int) -> str:
    """Record one delivery attempt; the new status (`sent`, `failed`, or `gave_up` when attempts run out)."""
    with db.session() as session:
        item = session.get(Notification, notification_id)
        if item is None:
            return FAILED
        item.attempts += 1
        item.last_attempt_at = utcnow()
        item.last_error = None if ok else (error or "error")[:200]
        item.status = SENT if ok else (GAVE_UP if item.attempts >= max_attempts else FAILED)
        return item.status


def inbox(user_id: int, limit: int = 100) -> list[InboxItem]:
    """The user's in-portal notifications, newest first."""
    with db.session() as session:
        query = (select(Notification)
                 .where(Notification.recipient_user_id == user_id, Notification.channel == PORTAL)
                 .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
        return [InboxItem(n.id, n.kind, n.subject, n.body, n.created_at, n.read_at is not None, n.link_token)
                for n in session.scalars(query)]


def unread_count(user_id: int) -> int:
    with db.session() as session:
        query = select(func.count(Notification.id)).where(
            Notification.recipient_user_id == user_id, Notification.channel == PORTAL, Notification.read_at.is_(None))
        return int(session.scalar(query) or 0)


def mark_read(user_id: int, notification_id: int) -> bool:
    with db.session() as session:
        item = session.get(Notification, notification_id)
        if item is None or item.recipient_user_id != user_id or item.channel != PORTAL:
            return False
        item.read_at = item.read_at or utcnow()
        return True


def child_for_link(user_id: int, link_token: str) -> tuple[int, str] | None:
    """(notification id, the grant's CHI) when this link was sent to this user; None otherwise.

    Marks the user's in-portal copy read: following the e-mailed link counts as reading it.
    """
    with db.session() as session:
        items = session.scalars(select(Notification).where(
            Notification.link_token == link_token, Notification.recipient_user_id == user_id,
            Notification.grant_id.is_not(None))).all()
        if not items:
            return None
        grant = session.get(BreakGlassGrant, items[0].grant_id)
        if grant is None:
            return None
        for item in items:
            if item.channel == PORTAL:
                item.read_at = item.read_at or utcnow()
        return items[0].id, grant.child_chi


def people_working_with(chi: str, now: datetime, bases: Sequence[str], exclude_user_id: int) -> list[Recipient]:
    """Active users who hold (themselves, or through their team) one of `bases` for this child now."""
    with db.session() as session:
        active = (Relationship.child_chi == chi, Relationship.basis.in_(bases), Relationship.starts_at <= now,
                  or_(Relationship.ends_at.is_(None), Relationship.ends_at > now))
        direct = select(Relationship.user_id).where(*active, Relationship.holder_type == HOLDER_USER)
        teams = select(Relationship.organisation_id).where(*active, Relationship.holder_type == HOLDER_TEAM)
        users = session.scalars(select(User).where(
            User.active.is_(True), User.id != exclude_user_id,
            or_(User.id.in_(direct), User.organisation_id.in_(teams))).order_by(User.id))
        return [Recipient(u.id, u.username, u.email) for u in users]


def ig_officers() -> list[Recipient]:
    with db.session() as session:
        users = session.scalars(select(User).where(User.active.is_(True), User.role == "ig_officer").order_by(User.id))
        return [Recipient(u.id, u.username, u.email) for u in users]


def actor_description(user_id: int) -> tuple[str, str]:
    """(display name, organisation and team) of the practitioner who acted."""
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            return "an unknown user", "an unknown organisation"
        org = session.get(Organisation, user.organisation_id)
        return user.display_name, f"{org.name} ({org.team})" if org else "an unknown organisation"
