"""Relationships the social work systems report, offered to an admin to accept (never granted automatically).

A relationship recognised from a source and granted on the spot would let a
source's free-text worker name open a record by itself; so the portal only
*suggests* it, shows where it came from, and an admin accepts it. Every configured
agency that supplies allocations (the social work domain's `sw_allocation`; several
councils may each run one) is asked for that category alone, and each check is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from connectors.agencies import Agency
from connectors.models import KeyFact, PersonQuery
from portal.agencies import configured_agencies
from portal.data.relationship_admin import practitioners_named
from portal.record.gather import GatheredSource, GatherRequest, gather

ALLOCATIONS = "sw_allocation"
# KIS field a social work connector reports → the relationship basis it suggests.
FIELD_BASIS = {"social_worker": "allocated_worker", "lead_professional": "lead_professional"}


def source_of(agency: str) -> str:
    """How a relationship accepted from an agency's report records where it came from."""
    return f"source:{agency}"


@dataclass(frozen=True)
class Suggestion:
    """'<agency>'s system names <user> as <basis> for this child.'"""

    agency: str
    user_id: int
    username: str
    display_name: str
    basis: str
    reported_as: str  # the source's own words, e.g. "Morag Lindsay, Social worker (Children and Families North)"

    @property
    def holder(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class AgencyCheck:
    """What asking one agency found: suggestions, or why there are none (the source's state)."""

    agency: str
    name: str  # the agency's display name, as the page labels it
    state: str
    reported: int  # how many worker facts the source reported
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True)
class SuggestionCheck:
    """Every allocation agency asked, in configuration order (none when no agency supplies allocations)."""

    agencies: tuple[AgencyCheck, ...]

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        return tuple(s for check in self.agencies for s in check.suggestions)


def allocation_agencies() -> tuple[Agency, ...]:
    """The enabled agencies whose system supplies allocations, whatever their keys."""
    return tuple(a for a in configured_agencies() if a.enabled and ALLOCATIONS in a.categories)


def failed_check(agencies: Sequence[Agency]) -> SuggestionCheck:
    """Every agency marked as not asked (the check itself failed before any answer)."""
    return SuggestionCheck(tuple(AgencyCheck(a.key, a.name, "failed", 0) for a in agencies))


def suggested_relationships(child_chi: str, now: datetime, agencies: Sequence[Agency]) -> SuggestionCheck:
    """Ask each agency who it allocates to this child; suggest matching accounts without a relationship."""
    from portal.sources import executor, registry

    keys = {a.key for a in agencies}
    connectors = [c for c in registry().connectors if c.agency in keys]
    answered: dict[str, GatheredSource] = {}
    if connectors:
        request = GatherRequest(query=PersonQuery(chi=child_chi),
                                allowed={c.agency: frozenset({ALLOCATIONS}) for c in connectors})
        answered = {source.status.agency: source for source in gather(
            connectors, request, deadline_s=current_app.config["FEDERATION_DEADLINE_S"], executor=executor())}
    checks: list[AgencyCheck] = []
    for agency in agencies:
        source = answered.get(agency.key)
        if source is None:  # enabled in the file, but no connector was built for it
            checks.append(AgencyCheck(agency.key, agency.name, "not_configured", 0))
            continue
        facts = [f for f in source.records.facts if f.field in FIELD_BASIS and f.category == ALLOCATIONS]
        checks.append(AgencyCheck(agency.key, agency.name, source.status.state.value, len(facts),
                                  _suggestions(agency.key, facts, child_chi, now)))
    return SuggestionCheck(tuple(checks))


def _suggestions(agency: str, facts: Sequence[KeyFact], child_chi: str, now: datetime) -> tuple[Suggestion, ...]:
    found: dict[tuple[int, str], Suggestion] = {}
    for fact in facts:
        basis = FIELD_BASIS[fact.field]
        value = fact.value
        worker = value.split(",", 1)[0].strip()
        for person in practitioners_named({worker}, child_chi, {basis}, now):
            if not person.already_holds:
                found.setdefault((person.user_id, basis), Suggestion(
                    agency, person.user_id, person.username, person.display_name, basis, value))
    return tuple(found.values())
