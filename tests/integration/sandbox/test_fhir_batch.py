"""The health sandbox answers a FHIR R4 batch of reads as the same GETs would, one entry each, and nothing else."""

from __future__ import annotations

import requests

from sandbox.launcher import SandboxHandle
from tests.integration.sandbox.conftest import ADMIN_KEY, HEALTH_AUTH, set_fault
from tests.integration.sandbox.stores import ENCOUNTERS_A


def batch(sandbox: SandboxHandle, *requests_: tuple[str, str], auth: dict[str, str] = HEALTH_AUTH
          ) -> requests.Response:
    bundle = {"resourceType": "Bundle", "type": "batch",
              "entry": [{"request": {"method": method, "url": url}} for method, url in requests_]}
    return requests.post(sandbox.urls["health"], json=bundle, headers=auth, timeout=5)


def get(sandbox: SandboxHandle, query: str) -> dict:
    return requests.get(f"{sandbox.urls['health']}/{query}", headers=HEALTH_AUTH, timeout=5).json()


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_each_entry_is_answered_as_the_same_get_in_order(sandbox: SandboxHandle) -> None:
    reply = batch(sandbox, ("GET", "Encounter?patient=pa&_count=3"), ("GET", "Patient?_id=pa"),
                  ("GET", "Appointment?patient=pa"))
    assert reply.status_code == 200
    answer = reply.json()
    assert answer["resourceType"] == "Bundle" and answer["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["200 OK", "200 OK", "200 OK"]
    encounters, patient, appointments = (e["resource"] for e in answer["entry"])
    assert ids(encounters) == ids(get(sandbox, "Encounter?patient=pa&_count=3"))
    assert encounters["total"] == ENCOUNTERS_A and len(ids(encounters)) == 3
    # A page inside the batch links to the next one as a plain search would: the client GETs it.
    next_url = next(link["url"] for link in encounters["link"] if link["relation"] == "next")
    assert next_url.startswith(sandbox.urls["health"] + "/Encounter?") and "_getpagesoffset=3" in next_url
    assert ids(patient) == ["pa"]
    assert ids(appointments) == ["appt-a1"]


def test_an_entry_that_would_write_or_is_unknown_fails_alone(sandbox: SandboxHandle) -> None:
    answer = batch(sandbox, ("DELETE", "Patient/pa"), ("GET", "Patient?_id=pa"), ("GET", "Patient?colour=red"),
                   ("GET", "https://elsewhere.example/fhir/Patient?_id=pa")).json()
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["405 Method Not Allowed", "200 OK", "400 Bad Request", "400 Bad Request"]
    assert answer["entry"][0]["resource"]["resourceType"] == "OperationOutcome"
    assert ids(answer["entry"][1]["resource"]) == ["pa"]
    assert get(sandbox, "Patient?_id=pa")["total"] == 1  # still there


def test_reads_by_id_inside_a_batch_answer_as_the_same_gets(sandbox: SandboxHandle) -> None:
    # The entry's path is percent-decoded as a server decodes a GET's: "p%61" is "pa".
    answer = batch(sandbox, ("GET", "Patient/p%61"), ("GET", "Patient/nobody")).json()
    found, missing = answer["entry"]
    assert found["response"]["status"] == "200 OK"
    plain = requests.get(f"{sandbox.urls['health']}/Patient/pa", headers=HEALTH_AUTH, timeout=5).json()
    assert found["resource"] == plain
    assert missing["response"]["status"] == "404 Not Found"
    assert missing["resource"]["resourceType"] == "OperationOutcome"


def test_a_batch_needs_the_token_and_must_be_a_batch(sandbox: SandboxHandle) -> None:
    refused = batch(sandbox, ("GET", "Patient?_id=pa"), auth={})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="fhir"'
    assert refused.json()["resourceType"] == "OperationOutcome"
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    reply = requests.post(sandbox.urls["health"], json=transaction, headers=HEALTH_AUTH, timeout=5)
    assert reply.status_code == 400 and reply.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_lists_batch(sandbox: SandboxHandle) -> None:
    statement = requests.get(f"{sandbox.urls['health']}/metadata", timeout=5).json()
    assert {"code": "batch"} in statement["rest"][0]["interaction"]


def test_wrong_child_applies_to_each_search_inside_a_batch(faults: SandboxHandle) -> None:
    set_fault(faults, "health", mode="wrong_child")
    answer = batch(faults, ("GET", "Encounter?patient=pa")).json()
    subjects = {e["resource"]["subject"]["reference"] for e in answer["entry"][0]["resource"]["entry"]}
    assert subjects and "Patient/pa" not in subjects


def test_the_request_log_shows_the_reads_inside_a_batch(sandbox: SandboxHandle) -> None:
    admin = {"X-Sandbox-Admin": ADMIN_KEY}
    requests.delete(f"{sandbox.admin_urls['health']}/_sandbox/requests", headers=admin, timeout=5)
    batch(sandbox, ("GET", "Condition?patient=pa"), ("GET", "Flag?patient=pa"))
    seen = requests.get(f"{sandbox.admin_urls['health']}/_sandbox/requests", headers=admin, timeout=5).json()
    assert [(e["method"], e["path"], e["query"], e.get("in_batch", False)) for e in seen["requests"]] == [
        ("POST", "/fhir", "", False), ("GET", "/fhir/Condition", "patient=pa", True),
        ("GET", "/fhir/Flag", "patient=pa", True)]
