"""Single sign-on bindings and sessions: which provider identity may sign into which account.

An account is bound to one (issuer, subject) pair on its first SSO sign-in; from then on
only that pair signs into it. E-mail is used once, to find the account for the binding,
and never again (addresses are renamed and recycled; subjects are not).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.data.base import Base
from portal.data.models import Organisation, User
from portal.data.users import SignedInUser, _snapshot
from portal.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class SsoIdentity(Base):
    """The one provider identity bound to an account."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # An administrator's override: role and organisation are kept as set in the portal, whatever the claims say.
    role_pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class SsoSession(Base):
    """A portal session started by single sign-on: what back-channel logout ends, and the id token for RP logout."""

    __tablename__ = "sso_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)  # kept in the portal's session cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_key: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    sid: Mapped[str | None] = mapped_column(String(255), index=True)
    # The portal's own (server-side) session id, where the portal has one: what back-channel logout ends.
    portal_session_id: Mapped[str | None] = mapped_column(String(255))
    id_token: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(64))


class SeenLogoutToken(Base):
    """Logout token ids already used, so a replayed token is refused."""

    __tablename__ = "sso_logout_tokens"
    __table_args__ = (UniqueConstraint("issuer", "jti", name="uq_sso_logout_tokens_issuer_jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    jti: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class BindingOutcome:
    """The account an identity signs into, or why it may not (`problem` is a code, `user` is then None)."""

    user: SignedInUser | None
    problem: str | None = None
    newly_bound: bool = False
    pinned: bool = False
    account_id: int | None = None  # the account concerned, also when refused (for the audit entry)


def resolve_identity(issuer: str, subject: str, email: str, email_verified: bool,
                     allowed_domains: list[str]) -> BindingOutcome:
    """Find (or bind, once) the account for this provider identity.

    Problems: `inactive` (bound account switched off), `unverified`, `domain`, `no_account`,
    `ambiguous` (the e-mail names more than one account), `subject_conflict` (the account is
    bound to another identity).
    """
    with db.session() as session:
        bound = session.scalar(select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject))
        if bound is not None:
            user = session.get(User, bound.user_id)
            if user is None or not user.active:
                return BindingOutcome(None, "inactive", pinned=bound.role_pinned, account_id=bound.user_id)
            return BindingOutcome(_snapshot(user), pinned=bound.role_pinned, account_id=user.id)
        if email_verified is not True:
            return BindingOutcome(None, "unverified")
        address = email.strip().lower()
        domain = address.rpartition("@")[2]
        if not address or (allowed_domains and domain not in {d.lower() for d in allowed_domains}):
            return BindingOutcome(None, "domain")
        accounts = session.scalars(select(User).where(User.email == address, User.active.is_(True))).all()
        if not accounts:
            return BindingOutcome(None, "no_account")
        if len(accounts) > 1:
            return BindingOutcome(None, "ambiguous")
        user = accounts[0]
        if session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id)) is not None:
            return BindingOutcome(None, "subject_conflict", account_id=user.id)
        session.add(SsoIdentity(user_id=user.id, issuer=issuer, subject=subject))
        try:
            session.flush()
        except IntegrityError:  # a concurrent first sign-in bound it a moment ago
            return BindingOutcome(None, "subject_conflict", account_id=user.id)
        return BindingOutcome(_snapshot(user), newly_bound=True, account_id=user.id)


def apply_claimed_access(user_id: int, role: str | None, organisation: tuple[str, str, str] | None) -> str:
    """Bring an account in line with what its provider's claims grant.

    `role` None means the claims grant nothing: the account is switched off. Returns
    `unchanged`, `changed` or `revoked`.
    """
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            return "unchanged"
        if role is None or organisation is None:
            changed = user.active
            user.active = False
            return "revoked" if changed else "unchanged"
        agency, name, team = organisation
        org = session.scalar(select(Organisation).where(
            Organisation.agency == agency, Organisation.name == name, Organisation.team == team))
        if org is None:
            org = Organisation(agency=agency, name=name, team=team)
            session.add(org)
            session.flush()
        if user.role == role and user.organisation_id == org.id and user.active:
            return "unchanged"
        user.role, user.organisation_id, user.active = role, org.id, True
        return "changed"


def account_snapshot(user_id: int) -> SignedInUser | None:
    """The account, active or not (for audit entries about it)."""
    with db.session() as session:
        user = session.get(User, user_id)
        return _snapshot(user) if user else None


def load_bound_user(user_id: int) -> SignedInUser | None:
    with db.session() as session:
        user = session.get(User, user_id)
        return _snapshot(user) if user and user.active else None


@dataclass(frozen=True)
class BoundIdentity:
    user_id: int
    username: str
    display_name: str
    issuer: str
    bound_at: datetime
    role_pinned: bool


def list_identities() -> list[BoundIdentity]:
    """Every account's SSO binding, by username (for the administrators' page)."""
    with db.session() as session:
        rows = session.execute(select(SsoIdentity, User).join(User, User.id == SsoIdentity.user_id)
                               .order_by(User.username))
        return [BoundIdentity(user.id, user.username, user.display_name, identity.issuer, identity.bound_at,
                              identity.role_pinned) for identity, user in rows]


def _identity_of(session: Session, username: str) -> SsoIdentity | None:
    user = session.scalar(select(User).where(User.username == username))
    return session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id)) if user else None


def set_role_pinned(username: str, pinned: bool) -> bool:
    """The administrator's override of claim mapping for one account; False if it has no SSO identity."""
    with db.session() as session:
        identity = _identity_of(session, username)
        if identity is None:
            return False
        identity.role_pinned = pinned
        return True


def unbind(username: str) -> bool:
    """Remove an account's SSO binding (e.g. the person's identity was re-issued); the next sign-in binds anew."""
    with db.session() as session:
        identity = _identity_of(session, username)
        if identity is None:
            return False
        session.delete(identity)
        return True


def open_sso_session(user_id: int, provider_key: str, issuer: str, subject: str, sid: str | None,
                     id_token: str | None, portal_session_id: str | None = None) -> str:
    """Record a new SSO session; the returned key goes into the portal session."""
    key = secrets.token_urlsafe(32)
    with db.session() as session:
        session.add(SsoSession(session_key=key, user_id=user_id, provider_key=provider_key, issuer=issuer,
                               subject=subject, sid=sid, id_token=id_token, portal_session_id=portal_session_id))
    return key


def sso_session_state(key: str) -> tuple[bool, str | None, str | None]:
    """(still open, provider key, id token) for a session key; unknown keys count as ended."""
    with db.session() as session:
        row = session.scalar(select(SsoSession).where(SsoSession.session_key == key))
        if row is None:
            return False, None, None
        return row.ended_at is None, row.provider_key, row.id_token


def close_sso_session(key: str, reason: str) -> None:
    with db.session() as session:
        row = session.scalar(select(SsoSession).where(SsoSession.session_key == key))
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = utcnow(), reason


@dataclass(frozen=True)
class EndedSsoSession:
    user_id: int
    session_key: str
    portal_session_id: str | None


def end_sso_sessions(issuer: str, sid: str | None, subject: str | None, reason: str) -> list[EndedSsoSession]:
    """End the open sessions matching a logout token (by sid and/or subject)."""
    with db.session() as session:
        query = select(SsoSession).where(SsoSession.issuer == issuer, SsoSession.ended_at.is_(None))
        if sid:
            query = query.where(SsoSession.sid == sid)
        if subject:
            query = query.where(SsoSession.subject == subject)
        ended = []
        for row in session.scalars(query):
            row.ended_at, row.end_reason = utcnow(), reason
            ended.append(EndedSsoSession(row.user_id, row.session_key, row.portal_session_id))
        return ended


def remember_logout_token(issuer: str, jti: str) -> bool:
    """True the first time a logout token id is seen; False for a replay."""
    try:
        with db.session() as session:
            session.add(SeenLogoutToken(issuer=issuer, jti=jti))
    except IntegrityError:
        return False
    return True
