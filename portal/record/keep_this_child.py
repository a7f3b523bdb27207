"""Keep a source's records to the person and categories asked for, and combine several people's records.

Pure functions. A source that returns another person's items (wrong child) has them
dropped and counted; items in a category the agreement did not allow are dropped too.
"""

from __future__ import annotations

from connectors.models import PersonRecord, SourceRecords


def only_this_person(records: SourceRecords, person: PersonRecord, allowed: frozenset[str]) -> SourceRecords:
    """Drop items tagged with another person, and items in a category nobody allowed."""

    def belongs(subject: str | None, category: str) -> bool:
        return (subject is None or subject == person.source_id) and (not category or category in allowed)

    events = tuple(e for e in records.events if belongs(e.subject_source_id, e.category))
    facts = tuple(f for f in records.facts if not f.category or f.category in allowed)
    wrong_subject = sum(1 for e in records.events if e.subject_source_id not in (None, person.source_id))
    return SourceRecords(
        events=events,
        facts=facts,
        restricted_notices=records.restricted_notices,
        dropped_wrong_child=records.dropped_wrong_child + wrong_subject,
    )


def combine_records(parts: list[SourceRecords]) -> SourceRecords:
    """One agency's records for all the people linked there (usually one; none gives an empty answer)."""
    if len(parts) == 1:
        return parts[0]
    return SourceRecords(
        events=tuple(e for part in parts for e in part.events),
        facts=tuple(f for part in parts for f in part.facts),
        restricted_notices=tuple(dict.fromkeys(n for part in parts for n in part.restricted_notices)),
        dropped_wrong_child=sum(part.dropped_wrong_child for part in parts),
    )
