"""Relationships the social work system reports, offered to an admin to accept (never granted automatically).

A relationship recognised from a source and granted on the spot would let a
source's free-text worker name open a record by itself; so the portal only
*suggests* it, shows where it came from, and an admin accepts it. Only the
allocation category is asked for, and the check is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from connectors.models import PersonQuery
from portal.data.relationship_admin import practitioners_named
from portal.record.gather import GatherRequest, gather

SOURCE_AGENCY = "social_work"
SOURCE = f"source:{SOURCE_AGENCY}"
# KIS field the social work connector reports → the relationship basis it suggests.
FIELD_BASIS = {"social_worker": "allocated_worker", "lead_professional": "lead_professional"}


@dataclass(frozen=True)
class Suggestion:
    """'The social work system names <user> as <basis> for this child.'"""

    user_id: int
    username: str
    display_name: str
    basis: str
    reported_as: str  # the source's own words, e.g. "Morag Lindsay, Social worker (Children and Families North)"

    @property
    def holder(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class SuggestionCheck:
    """What asking the source found: suggestions, or why there are none (the source's state)."""

    suggestions: tuple[Suggestion, ...]
    source_state: str
    reported: int  # how many worker facts the source reported


def suggested_relationships(child_chi: str, now: datetime) -> SuggestionCheck:
    """Ask the social work system who it allocates to this child; suggest matching accounts without a relationship."""
    from portal.sources import executor, registry

    connectors = [c for c in registry().connectors if c.agency == SOURCE_AGENCY]
    if not connectors:
        return SuggestionCheck((), "not_configured", 0)
    request = GatherRequest(query=PersonQuery(chi=child_chi),
                            allowed={SOURCE_AGENCY: frozenset({"sw_allocation"})})
    [source] = gather(connectors, request, deadline_s=current_app.config["FEDERATION_DEADLINE_S"],
                      executor=executor())
    facts = [f for f in source.records.facts if f.field in FIELD_BASIS and f.category == "sw_allocation"]
    suggestions: dict[tuple[int, str], Suggestion] = {}
    for fact in facts:
        basis = FIELD_BASIS[fact.field]
        worker = fact.value.split(",", 1)[0].strip()
        for person in practitioners_named({worker}, child_chi, {basis}, now):
            if not person.already_holds:
                suggestions.setdefault((person.user_id, basis), Suggestion(
                    person.user_id, person.username, person.display_name, basis, fact.value))
    return SuggestionCheck(tuple(suggestions.values()), source.status.state.value, len(facts))
