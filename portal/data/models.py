"""Configuration tables: organisations and user accounts.

These hold who may use the portal, never anything about a child.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.data.base import Base

ROLES = ("practitioner", "lead_professional", "ig_officer", "admin")
ROLE_LABELS = {
    "practitioner": "Practitioner",
    "lead_professional": "Lead professional",
    "ig_officer": "Information governance officer",
    "admin": "Administrator",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organisation(Base):
    """An agency and one of its teams; users and relationships hang off teams."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("agency", "name", "team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)
