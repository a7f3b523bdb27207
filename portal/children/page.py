"""Everything the child's page draws beyond the record itself, worked out before rendering.

The templates only read what is here: they call no Python back per field or per event.
Built once per view (page, stream and print alike) from the view `shown.prepare_view`
prepared, for the chronology page on screen only, so a long chronology costs no more than its page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from connectors.models import ChronologyEvent
from portal.access.decision import AccessDecision
from portal.access.filtering import explain
from portal.children import first_screen
from portal.children.assemble import ChildRecord
from portal.children.display import AgreedValue, ChronologyParams, agreed_values, filter_words, query_string
from portal.children.match_words import match_strength
from portal.record.gather import GatheredSource
from portal.record.identify import ScoredPerson
from portal.record.merge import Entry, IncidentGroup, Page, format_event_date
from portal.record.summarise import SummaryField


@dataclass(frozen=True)
class ShownValue:
    """One KIS value with every agency that states it, and its "Why can I see this?" answer (None: identity)."""

    agreed: AgreedValue
    why: str | None


@dataclass(frozen=True)
class FieldRow:
    """One KIS field as a summary-list row: its distinct values, each once."""

    field: SummaryField
    values: tuple[ShownValue, ...]


@dataclass(frozen=True)
class EventRow:
    """One chronology row: the event, its date in words, and why this user may see it."""

    event: ChronologyEvent
    date: str
    why: str


@dataclass(frozen=True)
class EntryRows:
    """One entry of the chronology page: a single event, or reports of what may be the same incident."""

    rows: tuple[EventRow, ...]
    group: IncidentGroup | None = None


@dataclass(frozen=True)
class Candidate:
    """A record that may be this child, offered for confirmation, with how close a match in words."""

    source: GatheredSource
    scored: ScoredPerson
    strength: str
    offer: str = ""  # the proof its Confirm / Reject form carries that this page offered it (portal.children.offers)


@dataclass(frozen=True)
class RecordPage:
    """What the child's page shows, in the words and order it shows it."""

    statuses: tuple[first_screen.Status, ...]
    status_rows: tuple[FieldRow, ...]  # the safety panel's fields, in the statuses' order
    people_rows: tuple[FieldRow, ...]
    other_rows: tuple[FieldRow, ...]
    identity_rows: tuple[FieldRow, ...]
    gaps: dict[str, str]  # agency → why its part of the picture may be missing
    candidates: tuple[Candidate, ...]
    entries: tuple[EntryRows, ...]  # the chronology page on screen
    filter_words: str
    filters_query: list[tuple[str, str]]  # the filters as query pairs, on no particular page (print, back)
    previous_query: list[tuple[str, str]]  # the filters on the previous page ([] on the first)
    next_query: list[tuple[str, str]]  # the filters on the next page ([] on the last)


def build_page(record: ChildRecord, params: ChronologyParams, page: Page, today: date, *,
               offer_for: Callable[[str, str], str] | None = None) -> RecordPage:
    """The page's words for this record, these filters and this chronology page, as of `today`.

    `offer_for(agency, source_id)` signs each candidate the page offers (pages that show no candidates pass none).
    """
    decision = record.decision
    statuses = first_screen.statuses(record, today)
    return RecordPage(
        statuses=tuple(statuses),
        status_rows=_rows((record.summary.field(status.key) for status in statuses), decision),
        people_rows=_rows(first_screen.people(record), decision),
        other_rows=_rows(first_screen.other_fields(record), decision),
        identity_rows=_rows(first_screen.identity_fields(record), decision),
        gaps=first_screen.missing_answers(record),
        candidates=_candidates(record, offer_for),
        entries=tuple(_entry(entry, decision) for entry in page.items),
        filter_words=filter_words(params),
        filters_query=query_string(params.address, page=""),
        previous_query=query_string(params.address, page=page.number - 1) if page.has_previous else [],
        next_query=query_string(params.address, page=page.number + 1) if page.has_next else [],
    )


def _rows(fields: Iterable[SummaryField], decision: AccessDecision) -> tuple[FieldRow, ...]:
    return tuple(FieldRow(field, tuple(_shown(agreed, decision) for agreed in agreed_values(field.values)))
                 for field in fields)


def _shown(agreed: AgreedValue, decision: AccessDecision) -> ShownValue:
    shared_under = agreed.shared_under
    return ShownValue(agreed, explain(shared_under, decision) if shared_under else None)


def _entry(entry: Entry, decision: AccessDecision) -> EntryRows:
    if isinstance(entry, IncidentGroup):
        return EntryRows(tuple(_row(event, decision) for event in entry.events), entry)
    return EntryRows((_row(entry, decision),))


def _row(event: ChronologyEvent, decision: AccessDecision) -> EventRow:
    return EventRow(event, format_event_date(event), explain(event, decision))


def _candidates(record: ChildRecord, offer_for: Callable[[str, str], str] | None) -> tuple[Candidate, ...]:
    """Records offered for confirmation, leaving out those the practitioner already said are not this child."""
    return tuple(Candidate(source, scored, match_strength(scored.match),
                           offer_for(source.agency, scored.person.source_id) if offer_for else "")
                 for source in record.sources for scored in source.candidates
                 if (source.agency, scored.person.source_id) not in record.reference.rejected)
