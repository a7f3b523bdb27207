"""Queries about user accounts: the only code that reads or writes them."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from portal.data.models import ROLES, Organisation, User
from portal.extensions import db

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps timing the same (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class SignedInUser:
    """What the request needs about the signed-in user; detached from the ORM session."""

    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    agency: str
    organisation: str
    team: str
    organisation_id: int

    # flask-login's user protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


def _snapshot(user: User) -> SignedInUser:
    org = user.organisation
    return SignedInUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=user.role_label,
        agency=org.agency,
        organisation=org.name,
        team=org.team,
        organisation_id=org.id,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(username: str, password: str) -> SignedInUser | None:
    """The user if the password matches; None for a wrong password or an unknown user alike."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        stored = user.password_hash if user and user.active and user.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or stored is _DUMMY_HASH:
            return None
        return _snapshot(user)


def get_or_create_organisation(agency: str, name: str, team: str) -> int:
    with db.session() as session:
        query = select(Organisation).where(
            Organisation.agency == agency, Organisation.name == name, Organisation.team == team
        )
        org = session.scalar(query)
        if org is None:
            org = Organisation(agency=agency, name=name, team=team)
            session.add(org)
            session.flush()
        return org.id


def upsert_user(
    username: str, display_name: str, role: str, organisation_id: int, password: str | None, email: str | None = None
) -> int:
    """Create or update an account (used by the demo seed and admin commands)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username)
            session.add(user)
        user.display_name = display_name
        user.role = role
        user.organisation_id = organisation_id
        user.email = email
        user.password_hash = hash_password(password) if password else None
        user.active = True
        session.flush()
        return user.id


def list_users() -> list[SignedInUser]:
    with db.session() as session:
        return [_snapshot(u) for u in session.scalars(select(User).order_by(User.username))]


@dataclass(frozen=True)
class AccountRow:
    """One account as the admin and IG pages list it (whether it may sign in, never a password)."""

    id: int
    username: str
    display_name: str
    role_label: str
    organisation: str
    team: str
    active: bool


def _row(user: User) -> AccountRow:
    return AccountRow(id=user.id, username=user.username, display_name=user.display_name,
                      role_label=user.role_label, organisation=user.organisation.name, team=user.organisation.team,
                      active=bool(user.active))


def list_accounts() -> list[AccountRow]:
    with db.session() as session:
        return [_row(u) for u in session.scalars(select(User).order_by(User.username))]


def get_account(user_id: int) -> AccountRow | None:
    with db.session() as session:
        user = session.get(User, user_id)
        return _row(user) if user else None


def set_account_active(user_id: int, active: bool) -> AccountRow | None:
    """Allow or stop an account signing in; None when there is no such account."""
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            return None
        user.active = active
        session.flush()
        return _row(user)
