"""Person lookups go through an in-memory index: it must follow the store and never hide a person or an error."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from werkzeug.test import Client

from sandbox.servers.config import Credentials
from sandbox.servers.docstore import DocumentStore
from sandbox.servers.faults import FaultState
from sandbox.servers.fhir_app import FhirApp
from sandbox.servers.keyindex import FILE_RECHECK_S
from sandbox.servers.rest_systems import make_education_app
from sandbox.stores.records import StoreRecord, insert_records, open_store

CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"
HEALTH = {"Authorization": "Bearer t"}
EDUCATION = {"X-API-Key": "k"}


def _patient(pid: str, chi: str) -> StoreRecord:
    body = {"resourceType": "Patient", "id": pid, "identifier": [{"system": CHI_SYSTEM, "value": chi}],
            "name": [{"family": "Ross", "given": ["Ava"]}], "birthDate": "2019-04-01"}
    return StoreRecord("Patient", pid, None, "2019-04-01", body)


def _pupil(pid: str, chi: str, surname: str) -> StoreRecord:
    body = {"pupil_id": pid, "scn": f"S{pid}", "chi": chi, "forename": "Ava", "surname": surname, "dob": "2019-04-01"}
    return StoreRecord("pupils", pid, pid, "2019-04-01", body)


def _store(path: Path, rows: list[StoreRecord]) -> DocumentStore:
    conn = open_store(path, create=True)
    insert_records(conn, rows)
    conn.close()
    return DocumentStore(path)


def _add(path: Path, rows: list[StoreRecord]) -> None:
    conn = open_store(path)
    insert_records(conn, rows)
    conn.close()


def test_a_patient_loaded_while_the_server_runs_is_found_by_chi(tmp_path: Path) -> None:
    path = tmp_path / "health.db"
    client = Client(FhirApp(_store(path, [_patient("p1", "0101010101")]), FaultState(),
                            Credentials.from_env({"SANDBOX_HEALTH_TOKEN": "t"})))
    first = client.get(f"/fhir/Patient?identifier={CHI_SYSTEM}|0202020202", headers=HEALTH).json
    assert first["total"] == 0

    _add(path, [_patient("p2", "0202020202")])  # as the FHIR loader does, through its own connection

    found = client.get(f"/fhir/Patient?identifier={CHI_SYSTEM}|0202020202", headers=HEALTH).json
    assert [entry["resource"]["id"] for entry in found["entry"]] == ["p2"]
    assert found["total"] == 1


def test_a_rewritten_store_file_is_read_within_a_second(tmp_path: Path) -> None:
    path = tmp_path / "education.db"
    client = Client(make_education_app(_store(path, [_pupil("pu1", "0101010101", "Ross")]), FaultState(),
                                       Credentials.from_env({"SANDBOX_EDUCATION_API_KEY": "k"})))
    assert client.get("/api/v1/pupils?chi=0101010101", headers=EDUCATION).json["pupils"][0]["pupil_id"] == "pu1"

    # The cohort writer builds a new file beside the old one and swaps it in; the server looks within a second.
    staging = tmp_path / "staging.db"
    _store(staging, [_pupil("pu7", "0101010101", "Ross")])
    shutil.move(staging, path)
    time.sleep(FILE_RECHECK_S)

    pupils = client.get("/api/v1/pupils?chi=0101010101", headers=EDUCATION).json["pupils"]
    assert [p["pupil_id"] for p in pupils] == ["pu7"]


def test_names_match_whatever_their_case_and_others_do_not(tmp_path: Path) -> None:
    store = _store(tmp_path / "education.db",
                   [_pupil("pu1", "0101010101", "MacLeod"), _pupil("pu2", "0303030303", "Ross")])
    client = Client(make_education_app(store, FaultState(), Credentials.from_env({"SANDBOX_EDUCATION_API_KEY": "k"})))
    pupils = client.get("/api/v1/pupils?surname=macleod&dob=2019-04-01", headers=EDUCATION).json["pupils"]
    assert [p["pupil_id"] for p in pupils] == ["pu1"]
    assert client.get("/api/v1/pupils?surname=MacLeo", headers=EDUCATION).json["pupils"] == []


def test_a_corrupt_person_row_is_an_error_not_nobody_found(tmp_path: Path) -> None:
    path = tmp_path / "education.db"
    store = _store(path, [_pupil("pu1", "0101010101", "Ross")])
    conn = open_store(path)
    with conn:
        conn.execute("INSERT INTO records VALUES ('pupils', 'pu2', 'pu2', '2019-01-01', 0, '{not json')")
    conn.close()
    client = Client(make_education_app(store, FaultState(), Credentials.from_env({"SANDBOX_EDUCATION_API_KEY": "k"})))
    response = client.get("/api/v1/pupils?chi=0101010101", headers=EDUCATION)
    assert response.status_code == 500
    assert response.json == {"error": "server_error"}
