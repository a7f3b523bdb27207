"""The value types the access policy works on: who asks, on what basis, and what was decided.

Plain frozen dataclasses with no database in sight, so the decision stays a pure
function that tests can drive cell by cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Protocol

from connectors.agencies import AgencyDirectory
from portal.access.roles import TIME_LIMITED_BASES


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


BASIS_BREAK_GLASS = "break_glass"
BASIS_NONE = "none"


def as_utc(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC (SQLite returns them naive) so comparisons never mix kinds."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class RequestingUser(Protocol):
    """What a requester is built from: `portal.data.users.SignedInUser` (the signed-in user) fits."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def agency(self) -> str: ...
    @property
    def team(self) -> str: ...


@dataclass(frozen=True)
class Requester:
    """The signed-in user as the policy needs them: role, agency and team of their organisation."""

    user_id: int
    role: str
    agency: str
    team: str

    @classmethod
    def from_user(cls, user: RequestingUser) -> Requester:
        """Build from anything with id, role, agency and team (e.g. the signed-in user snapshot)."""
        return cls(user.id, user.role, user.agency, user.team)


@dataclass(frozen=True)
class RelationshipBasis:
    """A recorded legitimate relationship between a user (or their team) and one child."""

    basis: str  # one of roles.RELATIONSHIP_BASES
    child_chi: str
    starts_at: datetime
    ends_at: datetime | None = None
    source: str = "admin"  # 'admin' | 'import' | 'source:<agency>'
    holder: str = "user"  # 'user' | 'team'

    def is_active(self, now: datetime) -> bool:
        """Started, not yet ended; a time-limited basis without an end is never active."""
        if self.basis in TIME_LIMITED_BASES and self.ends_at is None:
            return False
        moment = as_utc(now)
        if moment < as_utc(self.starts_at):
            return False
        return self.ends_at is None or moment < as_utc(self.ends_at)


@dataclass(frozen=True)
class BreakGlass:
    """A break-glass grant: one user, one child, a coded reason, a fixed expiry."""

    user_id: int
    child_chi: str
    reason_code: str  # the typed justification lives only in the audit trail's break_glass_start entry
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        """Started, not ended early and not past its expiry."""
        moment = as_utc(now)
        if self.ended_at is not None and moment >= as_utc(self.ended_at):
            return False
        return as_utc(self.started_at) <= moment < as_utc(self.expires_at)

    def finished_at(self) -> datetime:
        """When the access stopped (or will stop)."""
        return as_utc(self.ended_at) if self.ended_at is not None else as_utc(self.expires_at)


@dataclass(frozen=True)
class AccessDecision:
    """What one requester may see of one child for one purpose, and why.

    `allowed_categories` is what connectors are asked for; `withheld` is what the
    data-flows panel reports with the rule that withheld it; `category_labels`
    is what `filter_items` lets through; `clauses` answers "Why can I see this?".
    """

    allowed: bool
    reason: str  # shown to the user
    basis: str  # relationship basis code, 'break_glass' or 'none' (audit)
    purpose: str
    allowed_categories: Mapping[str, frozenset[str]] = field(default_factory=_empty)
    withheld: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=_empty)
    labels: Mapping[str, frozenset[str]] = field(default_factory=_empty)
    clauses: Mapping[tuple[str, str], str] = field(default_factory=_empty)
    break_glass_available: bool = False
    category_labels: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=_empty)
    reveal_restricted: Mapping[tuple[str, str], bool] = field(default_factory=_empty)  # per (agency, category)
    owning_teams: Mapping[str, str] = field(default_factory=_empty)
    basis_text: str = ""  # e.g. "Health visitor for this child, recorded by an administrator"
    break_glass_expires_at: datetime | None = None
    clause_refs: tuple[str, ...] = field(default=())  # every clause used, for the audit entry
    agencies: AgencyDirectory = field(default_factory=AgencyDirectory)  # names and vocabularies for the panels

    @property
    def under_break_glass(self) -> bool:
        return self.allowed and self.basis == BASIS_BREAK_GLASS

    def categories_for(self, agency: str) -> frozenset[str]:
        """The categories a connector for this agency may be asked for (empty when refused)."""
        return self.allowed_categories.get(agency, frozenset()) if self.allowed else frozenset()
