"""Every Synthea child bundle loads into the health sandbox under a CHI and reads back over FHIR."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from portal.demo import SYNTHEA_DIR
from sandbox.fhir_loader import load_bundle
from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.sandbox.conftest import HEALTH_AUTH, TEST_ENV

BUNDLES = sorted(SYNTHEA_DIR.glob("*.json"))
# Fictional ten-digit CHIs, one per bundle (the loader does not validate check digits).
CHIS = ["0404151230", "0809141231", "0709101232", "3007161233", "2010201234", "2401191235"]

pytestmark = pytest.mark.skipif(not BUNDLES, reason="Synthea fixtures not present")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, dict[str, tuple[str, Path]]]]:
    data_dir = tmp_path_factory.mktemp("synthea")
    patients = {chi: (load_bundle(data_dir, path, chi), path) for chi, path in zip(CHIS, BUNDLES, strict=False)}
    with start_all(data_dir, {"health": free_port()}, TEST_ENV, agencies=["health"]) as handle:
        yield handle, patients


def _bundle_count(path: Path, resource_type: str) -> int:
    bundle = json.loads(path.read_text())
    return sum(1 for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type)


def _walk(url: str | None) -> list[dict]:
    resources = []
    while url:
        bundle = requests.get(url, headers=HEALTH_AUTH, timeout=10).json()
        resources += [e["resource"] for e in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return resources


def test_each_bundle_is_found_by_chi_with_all_its_encounters(loaded: tuple) -> None:
    handle, patients = loaded
    base = handle.urls["health"]
    for chi, (patient_id, path) in patients.items():
        found = requests.get(f"{base}/Patient?identifier=https://fhir.nhs.uk/Id/chi-number|{chi}",
                             headers=HEALTH_AUTH, timeout=10).json()
        assert [e["resource"]["id"] for e in found["entry"]] == [patient_id]
        encounters = _walk(f"{base}/Encounter?patient={patient_id}&_count=7")
        assert len(encounters) == _bundle_count(path, "Encounter") and len({e["id"] for e in encounters}) == len(
            encounters)
        assert {e["subject"]["reference"] for e in encounters} == {f"Patient/{patient_id}"}
        immunisations = _walk(f"{base}/Immunization?patient={patient_id}")
        assert len(immunisations) == _bundle_count(path, "Immunization")


def test_references_are_rewritten_and_resolve(loaded: tuple) -> None:
    handle, patients = loaded
    patient_id, _ = next(iter(patients.values()))
    encounter = _walk(f"{handle.urls['health']}/Encounter?patient={patient_id}&_count=1")[0]
    assert "urn:uuid:" not in json.dumps(encounter)
    practitioner_ref = encounter["participant"][0]["individual"]["reference"]
    read = requests.get(f"{handle.urls['health']}/{practitioner_ref}", headers=HEALTH_AUTH, timeout=10)
    assert read.status_code == 200 and read.json()["resourceType"] == "Practitioner"


def test_reloading_is_idempotent_and_a_chi_cannot_be_given_twice(tmp_path: Path) -> None:
    first = load_bundle(tmp_path, BUNDLES[0], CHIS[0])
    rows = _row_count(tmp_path)
    assert load_bundle(tmp_path, BUNDLES[0], CHIS[0]) == first
    assert _row_count(tmp_path) == rows
    with pytest.raises(ValueError, match="already belongs"):
        load_bundle(tmp_path, BUNDLES[1], CHIS[0])


def _row_count(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "health.db")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])
    finally:
        conn.close()
