"""Each sandbox system answers its own protocol and turns away requests without the right credentials."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.sandbox.conftest import EDUCATION_AUTH, SCRA_AUTH, TEST_ENV, police_token
from tests.integration.sandbox.stores import CHI_A, CHI_B, SEALED_CHI


def test_each_http_system_refuses_missing_and_wrong_credentials(sandbox: SandboxHandle) -> None:
    cases = [
        (f"{sandbox.urls['health']}/Patient?_id=pa", {"Authorization": "Bearer wrong"}),
        (f"{sandbox.urls['education']}/pupils?chi={CHI_A}", {"X-API-Key": "wrong"}),
        (f"{sandbox.urls['police']}/subjects?chi={CHI_B}", {"Authorization": "Bearer not-issued"}),
        (f"{sandbox.urls['scra']}/children?chi={CHI_A}", {"X-API-Key": "wrong"}),
    ]
    for url, wrong in cases:
        for headers in ({}, wrong):
            response = requests.get(url, headers=headers, timeout=5)
            assert response.status_code == 401, url
            if url.startswith(sandbox.urls["health"]):
                assert response.json()["resourceType"] == "OperationOutcome", url
            else:
                assert "error" in response.json(), url


def test_fhir_metadata_is_open_and_describes_patient_search(sandbox: SandboxHandle) -> None:
    response = requests.get(f"{sandbox.urls['health']}/metadata", timeout=5)
    assert response.status_code == 200
    statement = response.json()
    CapabilityStatement.model_validate(statement)  # well-formed (R4B models; R4 has no validator here)
    assert statement["resourceType"] == "CapabilityStatement" and statement["fhirVersion"] == "4.0.1"
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert {"identifier", "family", "given", "birthdate"} <= {p["name"] for p in patient["searchParam"]}


def test_education_finds_pupil_by_chi_scn_and_case_insensitive_name(sandbox: SandboxHandle) -> None:
    base = sandbox.urls["education"]
    for query in (f"chi={CHI_A}", "scn=123456789", "surname=MACKENZIE&forename=katie&dob=2020-01-01"):
        body = requests.get(f"{base}/pupils?{query}", headers=EDUCATION_AUTH, timeout=5).json()
        assert [p["pupil_id"] for p in body["pupils"]] == ["pu1"], query
        assert body["next"] is None
    nobody = requests.get(f"{base}/pupils?chi=9999999999", headers=EDUCATION_AUTH, timeout=5).json()
    assert nobody["pupils"] == []


def test_education_lists_page_with_absolute_next_urls_covering_every_item_once(sandbox: SandboxHandle) -> None:
    url: str | None = f"{sandbox.urls['education']}/pupils/pu1/attendance?page_size=50"
    seen: list[str] = []
    while url:
        assert url.startswith("http://127.0.0.1:")
        body = requests.get(url, headers=EDUCATION_AUTH, timeout=5).json()
        seen += [item["week_id"] for item in body["items"]]
        assert all(item["pupil_id"] == "pu1" for item in body["items"])
        url = body["next"]
    assert len(seen) == 120 and len(set(seen)) == 120


def test_sealed_items_are_withheld_with_a_restricted_notice(sandbox: SandboxHandle) -> None:
    body = requests.get(f"{sandbox.urls['education']}/pupils/pu1/notes", headers=EDUCATION_AUTH, timeout=5).json()
    assert len(body["items"]) == 4  # the fifth note is sealed in the store
    assert "restricted" in body["restricted_notice"]
    other = requests.get(f"{sandbox.urls['education']}/pupils/pu2/notes", headers=EDUCATION_AUTH, timeout=5).json()
    assert len(other["items"]) == 2 and "restricted_notice" not in other
    sealed_person = requests.get(f"{sandbox.urls['education']}/pupils?chi={SEALED_CHI}", headers=EDUCATION_AUTH,
                                 timeout=5).json()
    assert sealed_person["pupils"] == []
    assert requests.get(f"{sandbox.urls['education']}/pupils/pu3/notes", headers=EDUCATION_AUTH,
                        timeout=5).status_code == 404


def test_rest_systems_reject_unknown_parameters_and_unknown_people(sandbox: SandboxHandle) -> None:
    base = sandbox.urls["scra"]
    assert requests.get(f"{base}/children?colour=red", headers=SCRA_AUTH, timeout=5).status_code == 400
    assert requests.get(f"{base}/children", headers=SCRA_AUTH, timeout=5).status_code == 400
    assert requests.get(f"{base}/children/nobody/orders", headers=SCRA_AUTH, timeout=5).status_code == 404
    assert requests.get(f"{base}/children/c2/orders?page_size=0", headers=SCRA_AUTH, timeout=5).status_code == 400


def test_scra_serves_referrals_hearings_and_orders(sandbox: SandboxHandle) -> None:
    base = sandbox.urls["scra"]
    child = requests.get(f"{base}/children?chi={CHI_B}", headers=SCRA_AUTH, timeout=5).json()["children"][0]
    counts = {name: len(requests.get(f"{base}/children/{child['child_id']}/{name}", headers=SCRA_AUTH,
                                     timeout=5).json()["items"]) for name in ("referrals", "hearings", "orders")}
    assert counts == {"referrals": 0, "hearings": 2, "orders": 1}


def test_police_client_credentials_flow(sandbox: SandboxHandle) -> None:
    root = sandbox.urls["police"].removesuffix("/api")
    bad = requests.post(f"{root}/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "test-client", "client_secret": "nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    wrong_grant = requests.post(f"{root}/oauth/token", timeout=5, data={"grant_type": "password"})
    assert wrong_grant.status_code == 400
    basic = requests.post(f"{root}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("test-client", "test-secret"), timeout=5)
    assert basic.status_code == 200 and basic.json()["token_type"] == "Bearer"
    token = police_token(sandbox)
    assert token != basic.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Police records often lack a CHI: find the child by name, date of birth and postcode.
    found = requests.get(f"{sandbox.urls['police']}/subjects?surname=mackenzie&forename=KATIE&dob=2020-01-01"
                         "&postcode=eh11aa", headers=headers, timeout=5).json()
    assert [s["subject_id"] for s in found["subjects"]] == ["s1"] and found["subjects"][0]["chi"] is None
    concerns = requests.get(f"{sandbox.urls['police']}/subjects/s1/concerns", headers=headers, timeout=5).json()
    assert len(concerns["items"]) == 3


def test_request_log_records_method_path_and_query_and_can_be_cleared(sandbox: SandboxHandle) -> None:
    admin = sandbox.admin_urls["scra"]
    requests.delete(f"{admin}/_sandbox/requests", timeout=5)
    requests.get(f"{sandbox.urls['scra']}/children?chi={CHI_A}", headers=SCRA_AUTH, timeout=5)
    entries = requests.get(f"{admin}/_sandbox/requests", timeout=5).json()["requests"]
    assert [(e["method"], e["path"], e["query"]) for e in entries] == [("GET", "/api/v1/children", f"chi={CHI_A}")]
    requests.delete(f"{admin}/_sandbox/requests", timeout=5)
    assert requests.get(f"{admin}/_sandbox/requests", timeout=5).json()["requests"] == []


def test_police_tokens_expire(data_dir: Path) -> None:
    env = {**TEST_ENV, "SANDBOX_POLICE_TOKEN_TTL": "1"}
    with start_all(data_dir, {"police": free_port()}, env, agencies=["police"]) as handle:
        headers = {"Authorization": f"Bearer {police_token(handle)}"}
        url = f"{handle.urls['police']}/subjects/s2/concerns"
        assert requests.get(url, headers=headers, timeout=5).status_code == 200
        time.sleep(1.2)
        expired = requests.get(url, headers=headers, timeout=5)
        assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


def test_rest_lists_together_answer_each_list_as_its_own_request_does(sandbox: SandboxHandle) -> None:
    base = f"{sandbox.urls['education']}/pupils/pu1"
    window = "sort=date&order=desc&page_size=2&offset=0"
    together = requests.get(f"{base}/lists?list=notes&list=exclusions&{window}", headers=EDUCATION_AUTH,
                            timeout=5).json()
    alone = {name: requests.get(f"{base}/{name}?{window}", headers=EDUCATION_AUTH, timeout=5).json()
             for name in ("notes", "exclusions")}
    assert together == {"lists": alone}
    assert together["lists"]["notes"]["next"].startswith(f"{base}/notes?")  # later pages: the list's own address
    assert "restricted" in together["lists"]["notes"]["restricted_notice"]


def test_rest_lists_together_refuse_what_they_cannot_answer(sandbox: SandboxHandle) -> None:
    base = f"{sandbox.urls['education']}/pupils"
    for query, status in (("list=notes&list=marks", 400), ("list=attendance", 400), ("", 400),
                          ("list=notes&colour=red", 400)):
        assert requests.get(f"{base}/pu1/lists?{query}", headers=EDUCATION_AUTH, timeout=5).status_code == status
    assert requests.get(f"{base}/nobody/lists?list=notes", headers=EDUCATION_AUTH, timeout=5).status_code == 404
