"""Health store resources are valid FHIR (checked with the fhir.resources R4B models, a superset of what we use)."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from sandbox.cohort.health import CHI_SYSTEM, CONFIDENTIALITY

TYPES = ("Patient", "Encounter", "Condition", "AllergyIntolerance", "Immunization", "Flag", "EpisodeOfCare",
         "CarePlan", "Appointment", "Organization")


@pytest.mark.parametrize("resource_type", TYPES)
def test_every_resource_of_a_type_parses_as_fhir(stores: dict, resource_type: str) -> None:
    rows = stores["health"].execute("SELECT id, subject_id, json FROM records WHERE collection = ? ORDER BY id",
                                    (resource_type,)).fetchall()
    assert rows, f"no {resource_type} resources"
    model = get_fhir_model_class(resource_type)
    for row_id, subject_id, body in rows[:800]:  # every type is fully checked except the bulkiest
        resource = json.loads(body)
        parsed = model.model_validate(resource)
        assert parsed.id == row_id == resource["id"]
        assert resource["meta"]["security"][0]["system"] == CONFIDENTIALITY
        if resource_type not in ("Patient", "Organization"):
            assert subject_id and subject_id in json.dumps(resource)  # references the patient it is filed under


def test_patients_carry_a_chi_identifier_and_gp(stores: dict, manifest: list[dict]) -> None:
    by_id = {child["ids"]["health"]: child for child in manifest}
    for (body,) in stores["health"].execute("SELECT json FROM records WHERE collection = 'Patient'"):
        patient = json.loads(body)
        child = by_id[patient["id"]]
        assert patient["identifier"] == [{"system": CHI_SYSTEM, "value": child["chi"]}]
        assert patient["birthDate"] == child["birth_date"]
        assert patient["generalPractitioner"][0]["reference"].startswith("Organization/")


def test_missed_appointments_are_recorded_as_was_not_brought(stores: dict) -> None:
    missed = [json.loads(b) for (b,) in stores["health"].execute(
        "SELECT json FROM records WHERE collection = 'Appointment' AND json LIKE '%noshow%'")]
    assert missed
    assert any("not brought" in a.get("comment", "").lower() for a in missed)


def test_episodes_of_care_name_a_care_manager(stores: dict) -> None:
    episodes = [json.loads(b) for (b,) in stores["health"].execute(
        "SELECT json FROM records WHERE collection = 'EpisodeOfCare'")]
    kinds = {e["type"][0]["text"] for e in episodes}
    assert {"Health visiting", "Child and Adolescent Mental Health Services"} <= kinds
    assert all(e["careManager"]["display"] for e in episodes)
