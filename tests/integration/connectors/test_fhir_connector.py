"""The FHIR connector on every Synthea fixture, over real HTTP: what a practitioner would see from health."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from connectors.fhir import FhirConnector
from connectors.models import PersonQuery
from connectors.registry import build_connector
from tests.integration.connectors.fake_fhir import (
    CHI_OID,
    SYNTHEA_DIR,
    FhirAgency,
    load_patient,
    synthea_bundle,
    uk_extras,
)
from tests.integration.connectors.sources import demo_table

FIXTURES = sorted(p.name.rsplit("_", 1)[0] for p in SYNTHEA_DIR.glob("*.json"))
# Synthetic CHIs (valid Mod-11 or Luhn): one per fixture, the last stored under the OID system.
CHIS = ["1904851231", "0101011237", "2902201230", "0211165794", "0101011113", "3112994507"]


@pytest.fixture(scope="module")
def synthea_server() -> Iterator[tuple[FhirAgency, dict[str, list[dict[str, Any]]]]]:
    patients: dict[str, list[dict[str, Any]]] = {}
    by_chi: dict[str, list[dict[str, Any]]] = {}
    for index, (name, chi) in enumerate(zip(FIXTURES, CHIS, strict=True)):
        system = CHI_OID if index == len(FIXTURES) - 1 else "https://fhir.nhs.uk/Id/chi-number"
        patient_id, resources = load_patient(synthea_bundle(name), chi, chi_system=system)
        if index == 0:
            resources += uk_extras(patient_id)
        patients[patient_id] = resources
        by_chi[chi] = resources
    agency = FhirAgency("tok", patients).start()
    yield agency, by_chi
    agency.stop()


@pytest.fixture
def health(synthea_server) -> Iterator[FhirConnector]:
    agency, _ = synthea_server
    config = {**demo_table("health"), "base_url": agency.origin + "/fhir", "batch_reads": False}  # the fake: no batch
    connector = build_connector("health", config, {"SANDBOX_HEALTH_TOKEN": "tok"})
    assert isinstance(connector, FhirConnector)
    yield connector
    connector.close()


def _soon() -> float:
    return time.monotonic() + 10


def _of_type(resources: list[dict[str, Any]], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["resourceType"] == resource_type]


@pytest.mark.parametrize("chi", CHIS)
def test_every_synthea_child_is_found_by_chi_and_read_completely(health, synthea_server, chi) -> None:
    _, by_chi = synthea_server
    resources = by_chi[chi]
    people = health.find_people(PersonQuery(chi=chi), deadline=_soon())
    assert [p.chi for p in people] == [chi]
    patient = _of_type(resources, "Patient")[0]
    assert people[0].birth_date.isoformat() == patient["birthDate"]
    assert people[0].surname == patient["name"][0]["family"]

    records = health.fetch_records(people[0], health.categories, deadline=_soon())
    by_category: dict[str, list] = {}
    for event in records.events:
        by_category.setdefault(event.category, []).append(event)
    assert len(by_category.get("health_encounters", [])) == len(_of_type(resources, "Encounter"))
    assert len(by_category.get("immunisations", [])) == len(_of_type(resources, "Immunization"))
    assert len(by_category.get("health_conditions", [])) == len(_of_type(resources, "Condition"))
    active_allergies = [a for a in _of_type(resources, "AllergyIntolerance")
                        if a["clinicalStatus"]["coding"][0]["code"] == "active"]
    assert len([f for f in records.facts if f.field == "allergies"]) == len(active_allergies)
    assert records.dropped_wrong_child == 0
    assert not any("(procedure)" in e.title or "(disorder)" in e.title for e in records.events)
    address = next(f for f in records.facts if f.field == "address")
    assert address.category == "demographics" and patient["address"][0]["postalCode"] in address.value
    immunisations = [f for f in records.facts if f.field == "immunisations"]
    assert immunisations and immunisations[0].value.startswith(f"{len(_of_type(resources, 'Immunization'))} recorded")


def test_emergency_attendances_are_significant_and_check_ups_are_not(health) -> None:
    seen_emergency = False
    for chi in CHIS:
        person = health.find_people(PersonQuery(chi=chi), deadline=_soon())[0]
        records = health.fetch_records(person, frozenset({"health_encounters"}), deadline=_soon())
        for event in records.events:
            if "check up" in event.title.lower():
                assert not event.significant
            if event.event_type == "emergency":
                seen_emergency = True
                assert event.significant
    assert seen_emergency, "the Synthea fixtures include emergency attendances"


def test_uk_resources_map_to_alerts_missed_appointments_and_health_visitor(health) -> None:
    person = health.find_people(PersonQuery(chi=CHIS[0]), deadline=_soon())[0]
    records = health.fetch_records(person, health.categories, deadline=_soon())
    alert = next(f for f in records.facts if f.field == "health_alerts")
    assert alert.security_label == "R"
    missed = [e for e in records.events if e.title == "Was not brought to appointment"]
    assert len(missed) == 1 and missed[0].significant and missed[0].category == "health_appointments"
    visitor = next(f for f in records.facts if f.field == "health_visitor")
    assert "Morag Health-Visitor" in visitor.value


def test_child_stored_under_the_oid_chi_system_is_read_as_a_chi(health) -> None:
    people = health.find_people(PersonQuery(chi=CHIS[-1]), deadline=_soon())
    assert [p.chi for p in people] == [CHIS[-1]]


def test_demographic_search_finds_the_synthea_child(health, synthea_server) -> None:
    _, by_chi = synthea_server
    patient = _of_type(by_chi[CHIS[2]], "Patient")[0]
    query = PersonQuery(surname=patient["name"][0]["family"], forename=patient["name"][0]["given"][0],
                        birth_date=date.fromisoformat(patient["birthDate"]))
    people = health.find_people(query, deadline=_soon())
    assert [p.source_id for p in people] == [patient["id"]]
    assert people[0].sex == patient["gender"]


def test_a_category_not_asked_for_yields_nothing_of_it(health, synthea_server) -> None:
    agency, _ = synthea_server
    person = health.find_people(PersonQuery(chi=CHIS[0]), deadline=_soon())[0]
    agency.clear()
    records = health.fetch_records(person, frozenset({"immunisations"}), deadline=_soon())
    assert {e.category for e in records.events} == {"immunisations"}
    assert all("/Immunization" in line for line in agency.log)


def test_unknown_chi_finds_nobody(health) -> None:
    assert health.find_people(PersonQuery(chi="0101010015"), deadline=_soon()) == []
