"""Pure mapping rules: labels fail safe, partial dates keep their precision, templates read cleanly."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.config.items import EventSpec, FactSpec
from connectors.config.problems import validate
from connectors.errors import ConfigurationError, MalformedResponseError
from connectors.fhir import FhirConnector, HttpSettings
from connectors.fhir_mapping import CONFIDENTIALITY_SYSTEM, parse_fhir_date, security_label
from connectors.item_text import render
from connectors.mapping import EventMapping, FactMapping, ItemContext
from connectors.models import DateCertainty, PersonRecord

CTX = ItemContext("education", "Education", "Pupil records", "pup-1")


def test_most_restrictive_fhir_label_wins_and_other_systems_are_ignored() -> None:
    resource = {"meta": {"security": [
        {"system": CONFIDENTIALITY_SYSTEM, "code": "R"}, {"system": CONFIDENTIALITY_SYSTEM, "code": "V"},
        {"system": "http://example.org/other", "code": "N"}]}}
    assert security_label(resource) == "V"
    assert security_label({"meta": {"security": [{"system": "http://example.org/other", "code": "V"}]}}) == "N"


@pytest.mark.parametrize(("value", "expected"), [
    ("2016", (date(2016, 1, 1), DateCertainty.YEAR)),
    ("2016-05", (date(2016, 5, 1), DateCertainty.MONTH)),
    ("2016-05-22T10:00:00+01:00", (date(2016, 5, 22), DateCertainty.EXACT)),
    ("22/05/2016", None),
])
def test_fhir_dates_keep_their_precision(value: str, expected: object) -> None:
    assert parse_fhir_date(value) == expected


def test_unknown_source_label_is_treated_as_very_restricted() -> None:
    mapping = EventMapping(EventSpec(date="date", title="Note", label="label"), "pastoral_notes")
    event = mapping.build({"date": "2026-01-02", "label": "SECRET"}, CTX, "n-1")
    assert event is not None and event.security_label == "V"


def test_templates_tidy_the_gaps_left_by_missing_values() -> None:
    assert render("{reason}. {openings_lost} openings lost.", {"openings_lost": 4}) == "4 openings lost."
    assert render("{a}, {b} ({c})", {"a": "J Head", "c": "Leith"}) == "J Head (Leith)"
    assert render("{grounds}", {"grounds": ["lack of parental care", "school attendance"]}) == \
        "lack of parental care, school attendance"


def test_a_record_with_an_unreadable_date_is_a_malformed_answer() -> None:
    mapping = EventMapping(EventSpec(date="date", title="Note"), "pastoral_notes")
    with pytest.raises(MalformedResponseError, match="Education sent a date that could not be read"):
        mapping.build({"date": "31/02/2026"}, CTX, "n-1")


def test_fact_conditions_select_which_items_become_facts() -> None:
    current = FactMapping(FactSpec(field="scra_order", value="{order_type}", unless="end_date"), "scra_orders")
    assert current.build({"order_type": "CSO", "end_date": None}, CTX, "o-1") is not None
    assert current.build({"order_type": "CSO", "end_date": "2025-01-01"}, CTX, "o-2") is None


def test_a_mapping_without_a_title_is_a_configuration_error_naming_its_place() -> None:
    with pytest.raises(ConfigurationError, match=r"agencies\.scra\.collections\[1\]\.event: 'title' is required"):
        validate(EventSpec, {"date": "hearing_date"}, "agencies.scra.collections[1].event")


def test_optional_segments_vanish_when_their_value_is_missing() -> None:
    template = "{order_type} since {start_date}[; review {review_date}][; conditions: {conditions}]"
    assert render(template, {"order_type": "CSO", "start_date": "2025-01-01", "conditions": []}) == \
        "CSO since 2025-01-01"
    assert render(template, {"order_type": "CSO", "start_date": "2025-01-01", "review_date": "2025-06-01",
                             "conditions": ["residence"]}) == \
        "CSO since 2025-01-01; review 2025-06-01; conditions: residence"


def test_a_value_is_never_read_as_a_template_and_tidying_still_applies_to_what_it_brings() -> None:
    # Templates are parsed once and cached: what a value holds must not be filled or dropped as template text.
    assert render("{a} [b {b}]", {"a": "{b} [x]", "b": ""}) == "{b} [x]"
    assert render("{a}", {"a": "Home visit  ( ) ,, seen"}) == "Home visit, seen"
    # A brace outside a placeholder joined to one in an optional segment: filled in two passes, as always.
    assert render("{a[b]c}", {"abc": "joined"}) == "joined"


def test_an_unreadable_fhir_resource_is_a_malformed_answer_naming_the_source() -> None:
    class Canned(FhirConnector):
        def _search(self, resource_type, params, *, deadline):  # type: ignore[no-untyped-def]
            # "type" should be a list of CodeableConcepts; a bare string cannot be read.
            return [{"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p1"},
                     "period": {"start": "2024-01-01"}, "type": "A&E"}]

    connector = Canned(agency="health", domain="health", display_name="NHS Test", source_system="t",
                       categories=frozenset({"health_encounters"}), http=HttpSettings(base_url="http://127.0.0.1:1"))
    with pytest.raises(MalformedResponseError, match="NHS Test sent a record the portal could not read"):
        connector.fetch_records(PersonRecord("health", "p1"), frozenset({"health_encounters"}), deadline=1e12)


def test_nopat_in_fhir_meta_security_marks_the_item_not_for_the_family() -> None:
    from connectors.fhir_mapping import not_for_family

    nopat = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NOPAT"}
    assert not_for_family({"meta": {"security": [{"system": CONFIDENTIALITY_SYSTEM, "code": "N"}, nopat]}})
    assert not not_for_family({"meta": {"security": [{"system": "http://example.org/other", "code": "NOPAT"}]}})
    assert not not_for_family({"meta": {"security": [{"system": CONFIDENTIALITY_SYSTEM, "code": "N"}]}})


def test_rest_and_sql_items_carry_the_family_flag_and_who_they_name() -> None:
    from connectors.models import ThirdParty

    mapping = EventMapping(EventSpec(date="date", title="Note"), "pastoral_notes")
    as_json = mapping.build({"date": "2026-01-02", "not_for_family": True, "third_party": 0,
                             "third_parties": [{"name": "Darren Kerr", "role": "Mother's former partner"}]}, CTX, "n")
    as_sql = mapping.build({"date": "2026-01-02", "not_for_family": 0, "third_party": 1,
                            "third_parties": '[{"name": "Ava Reid", "role": "Sibling"}]'}, CTX, "n")
    plain = mapping.build({"date": "2026-01-02"}, CTX, "n")
    assert as_json is not None and as_sql is not None and plain is not None
    assert (as_json.not_for_family, as_json.third_party) == (True, False)
    assert as_json.third_parties == (ThirdParty("Darren Kerr", "Mother's former partner"),)
    assert (as_sql.not_for_family, as_sql.third_party, as_sql.third_parties) == (
        False, True, (ThirdParty("Ava Reid", "Sibling"),))
    assert (plain.not_for_family, plain.third_party, plain.third_parties) == (False, False, ())


def test_unreadable_third_party_markers_are_a_malformed_answer() -> None:
    mapping = EventMapping(EventSpec(date="date", title="Note"), "pastoral_notes")
    with pytest.raises(MalformedResponseError):
        mapping.build({"date": "2026-01-02", "third_parties": "[not json"}, CTX, "n")


def test_a_fact_about_one_person_names_them_for_substitution() -> None:
    from connectors.models import ThirdParty

    mapping = FactMapping(FactSpec(field="family_contacts", value="{name} ({relationship})", names_person="name",
                                   names_role="relationship"), "family_contacts")
    fact = mapping.build({"name": "Ross Gillespie", "relationship": "Stepfather"}, CTX, "CON-1")
    assert fact is not None and fact.third_parties == (ThirdParty("Ross Gillespie", "Stepfather"),)
