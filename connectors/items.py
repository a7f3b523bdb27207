"""Turning a source's items (JSON objects or table rows) into person records, events and key facts.

The REST and SQL connectors read differently but map alike: a person from configured field paths,
and each item through the configured event and fact mappings. That shared part lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.item_text import as_text, getter, lookup
from connectors.mapping import EventMapping, FactMapping, ItemContext, parse_source_date
from connectors.models import ChronologyEvent, KeyFact, PersonRecord

SEXES = {"m": "male", "male": "male", "f": "female", "female": "female"}


def person_from_item(item: Mapping[str, Any], *, agency: str, source_name: str, id_field: str,
                     identifiers: Mapping[str, str], fields: Mapping[str, str],
                     defaults: Mapping[str, str]) -> PersonRecord:
    """A person record from one item; each attribute is read at `fields[name]`, else at `defaults[name]`.

    An attribute with neither is not read. `identifiers` maps an identifier kind to its path; CHIs lose
    their spaces. `source_name` names the agency in the error a bad birth date raises.
    """

    def path(name: str) -> str | None:
        return fields.get(name, defaults.get(name))

    def text(name: str) -> str:
        where = path(name)
        return as_text(lookup(item, where)) if where else ""

    found = ((kind, as_text(lookup(item, where))) for kind, where in identifiers.items())
    birth_path = path("birth_date")
    previous = text("previous_surname")
    return PersonRecord(
        agency=agency,
        source_id=as_text(lookup(item, id_field)),
        identifiers=tuple((kind, value.replace(" ", "") if kind == "chi" else value) for kind, value in found if value),
        forename=text("forename") or None,
        surname=text("surname") or None,
        birth_date=parse_source_date(lookup(item, birth_path), what=source_name) if birth_path else None,
        sex=SEXES.get(text("sex").lower()),
        postcode=text("postcode") or None,
        previous_surnames=(previous,) if previous else (),
    )


def map_items(items: Iterable[Mapping[str, Any]], ctx: ItemContext, wanted: frozenset[str], *, id_field: str,
              event: EventMapping | None, facts: tuple[FactMapping, ...] = ()
              ) -> tuple[list[ChronologyEvent], list[KeyFact]]:
    """Each item's event and key facts, for the categories asked for only (minimisation)."""
    events: list[ChronologyEvent] = []
    found: list[KeyFact] = []
    record_id_of = getter(id_field)
    building = event if event is not None and event.category in wanted else None
    chosen = [m for m in facts if m.category in wanted]
    for item in items:
        record_id = as_text(record_id_of(item)) or None
        if building is not None:
            built = building.build(item, ctx, record_id or "")
            if built is not None:
                events.append(built)
        found.extend(f for f in (m.build(item, ctx, record_id) for m in chosen) if f is not None)
    return events, found
