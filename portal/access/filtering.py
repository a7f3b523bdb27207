"""Applying a decision to what the sources returned, and explaining each item shown.

Connectors are asked only for allowed categories, but the portal does not trust
that: every event and key fact passes `filter_items`, which drops anything whose
category or security label the decision does not allow. Where the agreement lets
the source reveal that restricted information exists, the user gets a notice
naming the team to contact instead of the content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from connectors.models import LABEL_NORMAL, LABEL_RESTRICTED, LABEL_VERY_RESTRICTED, ChronologyEvent, KeyFact
from portal.access.decision import AccessDecision, Requester
from portal.access.purposes import PURPOSES

Item = ChronologyEvent | KeyFact
ItemT = TypeVar("ItemT", bound=Item)  # events in, events out; facts in, facts out

# HL7 v3 Confidentiality levels below N are no more sensitive than N.
_AS_NORMAL = {"U", "L", "M", LABEL_NORMAL}

RESTRICTED_NOTICE = "Restricted information exists – contact {team}"


@dataclass(frozen=True)
class FilteredItems(Generic[ItemT]):
    """What may be shown, the 'restricted information exists' notices, and how many items were removed."""

    items: tuple[ItemT, ...]
    notices: tuple[str, ...] = ()
    removed: int = 0


class Explained(Protocol):
    """What labelling and explaining an item needs: events, key facts and the summary's values all fit."""

    @property
    def agency(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def security_label(self) -> str: ...


def effective_label(item: Explained) -> str | None:
    """The item's label as the policy treats it (U/L/M count as N); None when the label is unknown."""
    label = (item.security_label or LABEL_NORMAL).upper()
    if label in _AS_NORMAL:
        return LABEL_NORMAL
    return label if label in (LABEL_RESTRICTED, LABEL_VERY_RESTRICTED) else None


def may_see(item: Item, decision: AccessDecision, requester: Requester) -> bool:
    """Does the decision let this requester see this one item?"""
    if not decision.allowed:
        return False
    allowed = decision.category_labels.get((item.agency, item.category))
    label = effective_label(item)
    if allowed is None or label is None or label not in allowed:
        return False
    if label == LABEL_VERY_RESTRICTED:
        # Checked again here, not only in decide(): V must never reach anyone but its owning team.
        owner = decision.owning_teams.get(item.agency)
        return (
            not decision.under_break_glass
            and requester.agency == item.agency
            and owner is not None
            and requester.team == owner
        )
    return True


def filter_items(items: Iterable[ItemT], decision: AccessDecision, requester: Requester) -> FilteredItems[ItemT]:
    """Keep what the decision allows; turn withheld R/V items into notices where the agreement permits."""
    kept: list[ItemT] = []
    removed = 0
    notice_agencies: list[str] = []
    for item in items:
        if may_see(item, decision, requester):
            kept.append(item)
            continue
        removed += 1
        hidden_by_label = effective_label(item) in (LABEL_RESTRICTED, LABEL_VERY_RESTRICTED)
        if hidden_by_label and decision.reveal_restricted.get((item.agency, item.category), False):
            notice_agencies.append(item.agency)
    notices = tuple(restricted_notice(decision, agency) for agency in dict.fromkeys(notice_agencies))
    return FilteredItems(tuple(kept), notices, removed)


def source_notices(decision: AccessDecision, agency: str, notices: Iterable[str]) -> tuple[str, ...]:
    """Pass on a source's own "restricted information exists" notices (e.g. for sealed items it withheld)
    only when the decision lets the user see something from that source under a clause that permits it."""
    if not decision.allowed:
        return ()
    permitted = any(allowed for (source, _), allowed in decision.reveal_restricted.items() if source == agency)
    return tuple(dict.fromkeys(notices)) if permitted else ()


def restricted_notice(decision: AccessDecision, agency: str) -> str:
    """'Restricted information exists – contact <owning team>' for one source."""
    team = decision.owning_teams.get(agency) or decision.agencies.name(agency)
    return RESTRICTED_NOTICE.format(team=team)


def explain(item: Explained, decision: AccessDecision) -> str:
    """Answer "Why can I see this?" for one item: relationship basis, purpose and agreement clause."""
    key = (item.agency, item.category)
    clause = decision.clauses.get(key)
    if not decision.allowed or clause is None:
        return "This item is not covered by your current access, so it should not be shown."
    category = decision.agencies.category_words(item.agency, item.category)
    purpose = PURPOSES[decision.purpose].label if decision.purpose in PURPOSES else decision.purpose
    parts = [
        f"{category} from {decision.agencies.name(item.agency)}.",
        f"Your access: {decision.basis_text}.",
        f"Purpose: {purpose}.",
        f"Shared under agreement {clause}.",
    ]
    label = effective_label(item)
    if label == LABEL_RESTRICTED:
        parts.append("It is marked restricted (R); this agreement names your role for restricted information.")
    elif label == LABEL_VERY_RESTRICTED:
        parts.append("It is marked very restricted (V); only your team, which owns it, can see it.")
    return " ".join(parts)
