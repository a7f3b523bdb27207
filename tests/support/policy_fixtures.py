"""A small agreement set and builders shared by the policy tests (kept apart from the demo file on purpose)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from portal.access.agreements import Agreements, parse_agreements
from portal.access.decision import BreakGlass, RelationshipBasis, Requester

DEMO_AGREEMENTS = Path(__file__).resolve().parents[2] / "config" / "agreements.toml"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CHI = "0101151004"
HV_TEAM = "HV Team"

SMALL_AGREEMENTS = """
[source.health]
owning_team = "HV Team"

[[agreement]]
source = "health"
reference = "TEST-HEALTH/1"
clause = "1"
review_date = 2030-01-01
requesting_agencies = ["health"]
roles = ["practitioner", "lead_professional"]
categories = ["health_alerts", "health_conditions"]
purposes = ["child_protection", "emergency", "girfec_wellbeing"]
labels = ["N", "R"]
restricted_roles = ["lead_professional"]
reveal_restricted = true

[[agreement]]
source = "health"
reference = "TEST-HEALTH/1"
clause = "9"
review_date = 2030-01-01
requesting_agencies = ["health"]
roles = ["practitioner", "lead_professional"]
categories = ["health_alerts"]
purposes = ["emergency"]
labels = ["N"]
break_glass = true

[[agreement]]
source = "police"
reference = "TEST-POLICE/2"
review_date = 2030-01-01
requesting_agencies = ["health"]
roles = ["practitioner", "lead_professional"]
categories = ["police_concerns"]
purposes = ["child_protection", "emergency"]
labels = ["N", "R"]
"""


def small_agreements() -> Agreements:
    return parse_agreements(SMALL_AGREEMENTS, "small.toml", today=date(2026, 11, 22))


def requester(role: str = "practitioner", agency: str = "health", team: str = HV_TEAM) -> Requester:
    return Requester(user_id=7, role=role, agency=agency, team=team)


def relationship(*, started_days_ago: int = 30, ended_days_ago: int | None = None,
                 basis: str = "health_visitor") -> RelationshipBasis:
    return RelationshipBasis(
        basis=basis,
        child_chi=CHI,
        starts_at=NOW - timedelta(days=started_days_ago),
        ends_at=None if ended_days_ago is None else NOW - timedelta(days=ended_days_ago),
    )


def grant(*, started_minutes_ago: int = 10, minutes: int = 60, ended_minutes_ago: int | None = None,
          user_id: int = 7, chi: str = CHI) -> BreakGlass:
    started = NOW - timedelta(minutes=started_minutes_ago)
    return BreakGlass(
        user_id=user_id,
        child_chi=chi,
        reason_code="immediate_risk",
        started_at=started,
        expires_at=started + timedelta(minutes=minutes),
        ended_at=None if ended_minutes_ago is None else NOW - timedelta(minutes=ended_minutes_ago),
    )
