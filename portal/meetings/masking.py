"""What a meeting's shared screen may show: pure rules, no Flask, no database.

With the family (or the child) in the room the screen leaves out, server-side, what they may
not see (DOMAIN.md §6b): R and V items, items the source marked not for the family (HL7 NOPAT or
its own flag), information about third parties, police narratives (kept only as "Police concern
recorded, <date>"), other people's names and addresses, "people not to be given information" and
"restricted information exists" notices. Names of third parties in what remains become a role
substitute ("Adult A"), the same within a meeting and unpredictable between meetings.
With professionals only, the screen shows what the chair's own access allows, unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from connectors.agencies import DOMAINS
from connectors.models import LABEL_RESTRICTED, LABEL_VERY_RESTRICTED, ChronologyEvent, KeyFact, ThirdParty
from portal.record.merge import format_event_date

ItemKey = tuple[str, str]  # (agency, source_record_id)

# KIS fields that name other people or give an address: never on a screen the family can see.
FAMILY_HIDDEN_FIELDS = frozenset({"address", "family_contacts", "do_not_inform"})
POLICE_NARRATIVE = "Police concern recorded, {date}"
_CHILD_ROLES = ("sibling", "brother", "sister", "child", "cousin")  # "step-father" is an adult
_MIN_NAME_PART = 2

# Why an item is kept off the shared screen, as the chair's withheld list says it.
WITHHELD_REASONS: dict[str, str] = {
    "very_restricted": "Very restricted (V)",
    "restricted": "Restricted (R)",
    "not_for_family": "Marked by its source as not for the child or family",
    "third_party": "Information about someone else (third party)",
    "police_narrative": "Police narrative (shown only as a police concern)",
}


@dataclass(frozen=True)
class MeetingMask:
    """The masking settings for one screen of one meeting."""

    family_present: bool
    key: bytes  # per-meeting secret: orders the role substitutes, so they differ between meetings
    revealed: frozenset[ItemKey] = frozenset()  # items the chair revealed to the room, with a reason
    selection: frozenset[ItemKey] | None = None  # events the chair picked to show; None shows every event
    child_names: tuple[str, ...] = ()  # the child's own names: never treated as a third party's


@dataclass(frozen=True)
class WithheldItem:
    """An item kept off the shared screen, as the chair's list shows it: where, when, why; no content."""

    agency: str
    record_id: str
    date_text: str
    reasons: tuple[str, ...]  # WITHHELD_REASONS keys, the deciding one first

    @property
    def key(self) -> ItemKey:
        return (self.agency, self.record_id)

    @property
    def reason(self) -> str:
        return self.reasons[0]

    @property
    def reason_text(self) -> str:
        return "; ".join(WITHHELD_REASONS[r] for r in self.reasons)


@dataclass(frozen=True)
class MaskedItems:
    """What the screen may show, and what the chair could reveal."""

    events: tuple[ChronologyEvent, ...]
    facts: tuple[KeyFact, ...]
    withheld: tuple[WithheldItem, ...] = ()
    substitutes: dict[str, str] = field(default_factory=dict)  # third party's name -> "Adult A"


def item_key(item: ChronologyEvent | KeyFact) -> ItemKey:
    return (item.agency, item.source_record_id or "")


def withheld_reasons(item: ChronologyEvent | KeyFact) -> tuple[str, ...]:
    """Every reason this item may not be shown with the family present (empty: it may, perhaps masked)."""
    label = (item.security_label or "").upper()
    reasons = []
    if label == LABEL_VERY_RESTRICTED:
        reasons.append("very_restricted")
    elif label == LABEL_RESTRICTED or label not in ("", "N", "U", "L", "M"):  # unknown labels count as R at least
        reasons.append("restricted")
    if item.not_for_family:
        reasons.append("not_for_family")
    if item.third_party:
        reasons.append("third_party")
    if is_police(item):
        reasons.append("police_narrative")
    return tuple(reasons)


def is_police(item: ChronologyEvent | KeyFact) -> bool:
    """Police information: concern reports' narratives and flags are not shown to the family."""
    # By the police domain's vocabulary, so every police agency's items count, whatever its key.
    return item.category in DOMAINS["police"].categories or item.category.startswith("police_")


def substitutes(items: Iterable[ChronologyEvent | KeyFact], key: bytes, child_names: Sequence[str] = ()
                ) -> dict[str, str]:
    """A role substitute ("Adult A", "Child A") for each third party named anywhere in `items`.

    Computed over everything the chair may see, not one page, so a person keeps their letter on every
    page; letters are ordered by a keyed hash of the name, so the same person gets a different letter in
    another meeting (and nothing about the order leaks the name).
    """
    people: dict[str, ThirdParty] = {}
    own = {_normalise(name) for name in child_names if name}
    for item in items:
        for person in item.third_parties:
            name = _normalise(person.name)
            if name and name not in own:
                people.setdefault(name, person)
    ordered = sorted(people, key=lambda name: hmac.new(key, name.encode("utf-8"), hashlib.sha256).digest())
    counters = {"Adult": 0, "Child": 0}
    found: dict[str, str] = {}
    for name in ordered:
        kind = "Child" if any(word in people[name].role.lower() for word in _CHILD_ROLES) else "Adult"
        found[people[name].name] = f"{kind} {_letters(counters[kind])}"
        counters[kind] += 1
    return found


def substitute_text(text: str | None, names: dict[str, str], child_names: Sequence[str] = ()) -> str | None:
    """`text` with each third party's full name, then each part of it, replaced by their substitute.

    Parts shared with the child's own names are left (the child's surname is often a parent's too).
    """
    if not text or not names:
        return text
    own = {_normalise(part) for name in child_names for part in name.split()}
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", names[name], text, flags=re.IGNORECASE)
    for name in sorted(names, key=len, reverse=True):
        for part in name.split():
            if len(part) >= _MIN_NAME_PART and _normalise(part) not in own:
                text = re.sub(rf"\b{re.escape(part)}\b", names[name], text, flags=re.IGNORECASE)
    return text


def mask(events: Sequence[ChronologyEvent], facts: Sequence[KeyFact], settings: MeetingMask) -> MaskedItems:
    """What the shared screen may show of what the chair may see, under these settings."""
    picked = [e for e in events if settings.selection is None or item_key(e) in settings.selection
              or item_key(e) in settings.revealed]
    if not settings.family_present:
        return MaskedItems(tuple(picked), tuple(facts))
    names = substitutes([*events, *facts], settings.key, settings.child_names)
    shown: list[ChronologyEvent] = []
    withheld: list[WithheldItem] = []
    for event in picked:
        revealed = item_key(event) in settings.revealed
        reasons = withheld_reasons(event)
        if reasons and not revealed:
            withheld.append(WithheldItem(event.agency, event.source_record_id, format_event_date(event), reasons))
            if reasons == ("police_narrative",):  # an ordinary police concern: that it happened, and when
                shown.append(police_placeholder(event))
            continue
        shown.append(_scrub(event, names, settings.child_names))
    kept_facts = tuple(_scrub_fact(f, names, settings.child_names) for f in facts if _fact_for_family(f))
    return MaskedItems(tuple(shown), kept_facts, tuple(withheld), names)


def police_placeholder(event: ChronologyEvent) -> ChronologyEvent:
    """A police concern as the family may see it: that one was recorded, and when; nothing it says."""
    return replace(event, title=POLICE_NARRATIVE.format(date=format_event_date(event)), summary="", action=None,
                   author_role=None, impact=None, third_parties=(), event_type="concern")


def _fact_for_family(fact: KeyFact) -> bool:
    return fact.field not in FAMILY_HIDDEN_FIELDS and not withheld_reasons(fact)


def _scrub(event: ChronologyEvent, names: dict[str, str], child_names: Sequence[str]) -> ChronologyEvent:
    return replace(
        event,
        title=substitute_text(event.title, names, child_names) or "",
        summary=substitute_text(event.summary, names, child_names) or "",
        action=substitute_text(event.action, names, child_names),
        third_parties=(),
    )


def _scrub_fact(fact: KeyFact, names: dict[str, str], child_names: Sequence[str]) -> KeyFact:
    return replace(fact, value=substitute_text(fact.value, names, child_names) or "", third_parties=())


def _normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


def _letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: enough letters for any meeting."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text
