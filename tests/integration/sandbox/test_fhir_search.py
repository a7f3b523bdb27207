"""The health sandbox searches and pages the way FHIR R4 says for the parameters the portal uses."""

from __future__ import annotations

import requests
from fhir.resources.R4B.bundle import Bundle  # R4B keeps the R4 Encounter shape
from fhir.resources.R4B.operationoutcome import OperationOutcome

from sandbox.launcher import SandboxHandle
from tests.integration.sandbox.conftest import HEALTH_AUTH
from tests.integration.sandbox.stores import CHI_A, CHI_B, ENCOUNTERS_A

OID = "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53"


def search(sandbox: SandboxHandle, query: str) -> dict:
    response = requests.get(f"{sandbox.urls['health']}/{query}", headers=HEALTH_AUTH, timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    return response.json()


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]


def test_patient_found_by_chi_under_either_identifier_system(sandbox: SandboxHandle) -> None:
    for system in ("https://fhir.nhs.uk/Id/chi-number", OID):
        bundle = search(sandbox, f"Patient?identifier={system}|{CHI_A}")
        assert bundle["type"] == "searchset" and bundle["total"] == 1 and ids(bundle) == ["pa"]
    assert ids(search(sandbox, f"Patient?identifier={CHI_B}")) == ["pb"]  # code without a system
    assert search(sandbox, "Patient?identifier=http://example.org/other|" + CHI_A)["total"] == 0


def test_patient_demographic_search_is_case_insensitive_prefix_unless_exact(sandbox: SandboxHandle) -> None:
    assert ids(search(sandbox, "Patient?family=mack&given=KAT&birthdate=2020-01-01")) == ["pa"]
    assert search(sandbox, "Patient?family:exact=mack")["total"] == 0
    assert ids(search(sandbox, "Patient?family:exact=Mackenzie")) == ["pa"]
    assert ids(search(sandbox, "Patient?birthdate=ge2019-01-01&birthdate=le2019-12-31")) == ["pb"]
    assert ids(search(sandbox, "Patient?_id=pb")) == ["pb"]


def test_sealed_resources_are_never_returned(sandbox: SandboxHandle) -> None:
    assert search(sandbox, "Patient?family=Hidden")["total"] == 0
    assert "enc-a-sealed" not in ids(search(sandbox, "Encounter?patient=pa&_count=100"))
    read = requests.get(f"{sandbox.urls['health']}/Encounter/enc-a-sealed", headers=HEALTH_AUTH, timeout=5)
    assert read.status_code == 404


def test_next_links_walk_every_result_exactly_once(sandbox: SandboxHandle) -> None:
    url: str | None = f"{sandbox.urls['health']}/Encounter?patient=Patient/pa&_count=2"
    seen, pages = [], 0
    while url:
        bundle = requests.get(url, headers=HEALTH_AUTH, timeout=5).json()
        Bundle.model_validate(bundle)  # a conformant Bundle (R4B models; R4 has no validator here)
        assert bundle["total"] == ENCOUNTERS_A and len(bundle["entry"]) <= 2
        seen += ids(bundle)
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        pages += 1
    assert pages == 4 and len(seen) == ENCOUNTERS_A and len(set(seen)) == ENCOUNTERS_A


def test_sort_and_date_filters(sandbox: SandboxHandle) -> None:
    dates = [e["resource"]["period"]["start"] for e in search(sandbox, "Encounter?patient=pa&_sort=-date")["entry"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == ENCOUNTERS_A
    window = search(sandbox, "Encounter?patient=pa&date=ge2023-02-01&date=le2023-04-30")
    starts = [e["resource"]["period"]["start"][:10] for e in window["entry"]]
    assert starts == ["2023-02-11", "2023-03-12", "2023-04-13"]
    assert search(sandbox, "Encounter?patient=pa&date=2023-03-12")["total"] == 1
    assert search(sandbox, "Encounter?patient=pa&_count=0")["entry"] == []


def test_appointment_found_by_actor_and_status(sandbox: SandboxHandle) -> None:
    assert ids(search(sandbox, "Appointment?actor=Patient/pa&status=noshow")) == ["appt-a1"]
    assert search(sandbox, "Appointment?actor=Patient/pb")["total"] == 0


def test_read_by_id_and_errors_are_operation_outcomes(sandbox: SandboxHandle) -> None:
    base = sandbox.urls["health"]
    assert requests.get(f"{base}/Patient/pa", headers=HEALTH_AUTH, timeout=5).json()["birthDate"] == "2020-01-01"
    for path, status in (("Patient/nobody", 404), ("Spaceship?patient=pa", 404), ("Encounter?colour=red", 400),
                         ("Encounter?patient=pa&date=yesterday", 400), ("Encounter?_count=many", 400),
                         ("Encounter?patient=pa&_sort=colour", 400), ("Encounter?patient=Practitioner/x", 400)):
        response = requests.get(f"{base}/{path}", headers=HEALTH_AUTH, timeout=5)
        assert response.status_code == status, path
        outcome = response.json()
        OperationOutcome.model_validate(outcome)
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == "error"
    unauthorised = requests.get(f"{base}/Patient/pa", timeout=5)
    assert unauthorised.status_code == 401 and unauthorised.json()["resourceType"] == "OperationOutcome"


def test_chained_patient_identifier_search(sandbox: SandboxHandle) -> None:
    chained = search(sandbox, f"Encounter?patient:identifier={OID}|{CHI_A}&_count=100")
    direct = search(sandbox, "Encounter?patient=pa&_count=100")
    assert ids(chained) == ids(direct) and chained["total"] == ENCOUNTERS_A
    assert search(sandbox, "Encounter?patient:identifier=9999999999")["total"] == 0
