"""Everything the child's page draws beyond the record itself, worked out before rendering.

The templates only read what is here: they call no Python back per field or per event.
Built once per view (page, stream and print alike) from the view `shown.prepare_view`
prepared, for the chronology page on screen only, so a long chronology costs no more than its page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from connectors.models import SHANARRI, ChronologyEvent
from portal.access.decision import AccessDecision
from portal.access.filtering import Explained, explain
from portal.children import first_screen
from portal.children.assemble import ChildRecord
from portal.children.display import AgreedValue, ChronologyParams, agreed_values, filter_words, query_string
from portal.children.match_words import match_strength
from portal.labels import label, long_date, plain_value
from portal.record.gather import GatheredSource
from portal.record.identify import ScoredPerson
from portal.record.merge import Entry, IncidentGroup, Page, format_event_date
from portal.record.summarise import FieldValue, SummaryField


@dataclass(frozen=True)
class ShownValue:
    """One KIS value with every agency that states it, and its "Why can I see this?" answer (None: identity).

    Its words are written here once (the templates would otherwise work them out per value, per view).
    """

    agreed: AgreedValue
    why: str | None
    text: str  # the value in plain words
    restricted: bool
    agencies: str  # "Health, Education": who states it, said beside a value the agencies disagree on
    provenance: str  # "Health, System, as of 1 May 2026; …": where from, in the "why" answer


@dataclass(frozen=True)
class FieldRow:
    """One KIS field as a summary-list row: its distinct values, each once."""

    field: SummaryField
    values: tuple[ShownValue, ...]


@dataclass(frozen=True)
class EventRow:
    """One chronology row: the event, its date in words, why this user may see it, and its cells' words."""

    event: ChronologyEvent
    date: str
    why: str
    title: str  # in plain words
    summary: str  # in plain words, "" when none
    action: str  # in plain words, "Not recorded" when none
    source: str  # the agency's name
    shanarri: tuple[str, ...]  # the wellbeing indicators, capitalised


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


# The wellbeing indicators as the chronology filter offers them, in SHANARRI order.
WELLBEING: tuple[tuple[str, str], ...] = tuple((indicator, indicator.capitalize()) for indicator in SHANARRI)


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
    agency_choices: tuple[tuple[str, str], ...]  # the chronology filter's agencies: (key, name)
    filter_words: str
    filters_query: list[tuple[str, str]]  # the filters as query pairs, on no particular page (print, back)
    previous_query: list[tuple[str, str]]  # the filters on the previous page ([] on the first)
    next_query: list[tuple[str, str]]  # the filters on the next page ([] on the last)
    wellbeing_choices: tuple[tuple[str, str], ...] = WELLBEING  # the chronology filter's indicators: (key, words)


def build_page(record: ChildRecord, params: ChronologyParams, page: Page, today: date, *,
               offer_for: Callable[[str, str], str] | None = None) -> RecordPage:
    """The page's words for this record, these filters and this chronology page, as of `today`.

    `offer_for(agency, source_id)` signs each candidate the page offers (pages that show no candidates pass none).
    """
    why = _Why(record.decision)
    statuses = first_screen.statuses(record, today)
    names = record.agency_names
    return RecordPage(
        statuses=tuple(statuses),
        status_rows=_rows((record.summary.field(status.key) for status in statuses), why),
        people_rows=_rows(first_screen.people(record), why),
        other_rows=_rows(first_screen.other_fields(record), why),
        identity_rows=_rows(first_screen.identity_fields(record), why),
        gaps=first_screen.missing_answers(record),
        candidates=_candidates(record, offer_for),
        entries=tuple(_entry(entry, why, names) for entry in page.items),
        agency_choices=tuple((source.agency, source.display_name or label(source.agency, "agency"))
                             for source in record.sources),
        filter_words=filter_words(params),
        filters_query=query_string(params.address, page=""),
        previous_query=query_string(params.address, page=page.number - 1) if page.has_previous else [],
        next_query=query_string(params.address, page=page.number + 1) if page.has_next else [],
    )


class _Why:
    """ "Why can I see this?" for each item, worked out once per agency, category and label: the answer depends
    on nothing else (portal.access.filtering.explain), and a page's items share a handful of answers."""

    def __init__(self, decision: AccessDecision) -> None:
        self.decision = decision
        self.answers: dict[tuple[str, str, str], str] = {}

    def __call__(self, item: Explained) -> str:
        key = (item.agency, item.category, item.security_label)
        answer = self.answers.get(key)
        if answer is None:
            answer = self.answers[key] = explain(item, self.decision)
        return answer


def _rows(fields: Iterable[SummaryField], why: _Why) -> tuple[FieldRow, ...]:
    return tuple(FieldRow(field, tuple(_shown(agreed, why) for agreed in agreed_values(field.values)))
                 for field in fields)


def _shown(agreed: AgreedValue, why: _Why) -> ShownValue:
    shared_under = agreed.shared_under
    sources = agreed.sources
    return ShownValue(agreed, why(shared_under) if shared_under else None, plain_value(agreed.value),
                      agreed.restricted, ", ".join(value.agency_name for value in sources),
                      "; ".join(_provenance(value) for value in sources))


def _provenance(value: FieldValue) -> str:
    said = f"{value.agency_name}, {value.source_system}"
    return f"{said}, as of {long_date(value.as_of)}" if value.as_of else said


def _entry(entry: Entry, why: _Why, names: Mapping[str, str]) -> EntryRows:
    if isinstance(entry, IncidentGroup):
        return EntryRows(tuple(_row(event, why, names) for event in entry.events), entry)
    return EntryRows((_row(entry, why, names),))


def _row(event: ChronologyEvent, why: _Why, names: Mapping[str, str]) -> EventRow:
    agency = event.agency
    return EventRow(event, format_event_date(event), why(event), plain_value(event.title),
                    plain_value(event.summary) if event.summary else "",
                    plain_value(event.action) if event.action else "Not recorded",
                    names[agency] if agency in names else label(agency, "agency"),
                    tuple(tag.capitalize() for tag in event.shanarri))


def _candidates(record: ChildRecord, offer_for: Callable[[str, str], str] | None) -> tuple[Candidate, ...]:
    """Records offered for confirmation, leaving out those the practitioner already said are not this child."""
    return tuple(Candidate(source, scored, match_strength(scored.match),
                           offer_for(source.agency, scored.person.source_id) if offer_for else "")
                 for source in record.sources for scored in source.candidates
                 if (source.agency, scored.person.source_id) not in record.reference.rejected)
