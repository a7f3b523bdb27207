"""The item mapping REST and SQL share: a person from configured paths, events and facts for asked categories."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.errors import MalformedResponseError
from connectors.items import map_items, person_from_item
from connectors.mapping import ItemContext
from connectors.rest import PERSON_DEFAULTS as REST_DEFAULTS
from connectors.sql import PERSON_DEFAULTS as SQL_DEFAULTS


def _person(item: dict, defaults: dict, **fields: str):  # type: ignore[no-untyped-def]
    return person_from_item(item, agency="education", source_name="Fife Education", id_field="pupil.id",
                            identifiers={"chi": "chi", "scn": "scn"}, fields=fields, defaults=defaults)


def test_a_rest_pupil_is_read_at_nested_and_renamed_paths() -> None:
    item = {"pupil": {"id": 42}, "chi": "010101 1237", "scn": "", "forename": "Amy", "last": "Reid",
            "dob": "2015-03-04T00:00:00", "sex": "F", "postcode": "KY1 1AA"}
    person = _person(item, REST_DEFAULTS, surname="last")
    assert person.source_id == "42"
    assert person.identifiers == (("chi", "0101011237"),)  # spaces gone; an empty identifier is left out
    assert (person.forename, person.surname, person.birth_date) == ("Amy", "Reid", date(2015, 3, 4))
    assert person.postcode == "KY1 1AA"
    assert person.sex is None  # REST reads sex only where the configuration names its field


def test_sql_reads_every_attribute_from_the_column_of_its_name() -> None:
    row = {"pupil": {"id": "p-1"}, "chi": "0101011237", "birth_date": "2016-01-02", "sex": "male",
           "previous_surname": "Brown", "surname": "Grey"}
    person = _person(row, SQL_DEFAULTS)
    assert (person.sex, person.previous_surnames, person.surname) == ("male", ("Brown",), "Grey")
    assert person.forename is None and person.postcode is None


def test_a_birth_date_that_cannot_be_read_names_the_source() -> None:
    with pytest.raises(MalformedResponseError, match="Fife Education sent a date"):
        _person({"pupil": {"id": 1}, "dob": "yesterday"}, REST_DEFAULTS)


class _Event:
    """The least of an event mapping: its category and how it builds (None when a condition excludes the item)."""

    category = "exclusions"

    def build(self, item: dict, ctx: ItemContext, record_id: str):  # type: ignore[no-untyped-def]
        return None if item.get("draft") else (record_id, item["what"])


class _Fact:
    def __init__(self, category: str) -> None:
        self.category = category

    def build(self, item: dict, ctx: ItemContext, record_id: str | None):  # type: ignore[no-untyped-def]
        return (self.category, record_id)


def test_items_give_events_and_facts_only_for_the_categories_asked_for() -> None:
    ctx = ItemContext("education", "Fife Education", "SEEMiS", "42")
    items = [{"id": 7, "what": "Excluded"}, {"id": 8, "what": "Draft", "draft": True}, {"what": "No id"}]
    events, facts = map_items(items, ctx, frozenset({"exclusions", "school"}), id_field="id", event=_Event(),  # type: ignore[arg-type]
                              facts=(_Fact("school"), _Fact("attendance")))  # type: ignore[arg-type]
    assert events == [("7", "Excluded"), ("", "No id")]
    assert facts == [("school", "7"), ("school", "8"), ("school", None)]
    assert map_items(items, ctx, frozenset({"attendance"}), id_field="id", event=_Event()) == ([], [])  # type: ignore[arg-type]
