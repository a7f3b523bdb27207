"""A store the server cannot read still gets an answer in the system's own error format."""

from __future__ import annotations

from pathlib import Path

from werkzeug.test import Client

from sandbox.servers.config import Credentials
from sandbox.servers.docstore import DocumentStore
from sandbox.servers.faults import FaultState
from sandbox.servers.fhir_app import FhirApp
from sandbox.servers.rest_systems import make_education_app
from sandbox.stores.records import open_store


def _broken_store(path: Path, collection: str, subject: str) -> DocumentStore:
    conn = open_store(path, create=True)
    with conn:
        conn.execute("INSERT INTO records VALUES (?, 'x1', ?, '2023-01-01', 0, '{not json')", (collection, subject))
        conn.execute("INSERT INTO records VALUES ('pupils', 'pu9', 'pu9', '2010-01-01', 0, '{}')")
    conn.close()
    return DocumentStore(path)


def test_fhir_answers_an_operation_outcome_when_a_stored_row_is_corrupt(tmp_path: Path) -> None:
    credentials = Credentials.from_env({"SANDBOX_HEALTH_TOKEN": "t"})
    app = FhirApp(_broken_store(tmp_path / "health.db", "Encounter", "p9"), FaultState(), credentials)
    response = Client(app).get("/fhir/Encounter?patient=p9", headers={"Authorization": "Bearer t"})
    assert response.status_code == 500
    assert response.json["resourceType"] == "OperationOutcome"
    assert "not json" not in response.get_data(as_text=True)


def test_rest_answers_json_when_a_stored_row_is_corrupt(tmp_path: Path) -> None:
    credentials = Credentials.from_env({"SANDBOX_EDUCATION_API_KEY": "k"})
    app = make_education_app(_broken_store(tmp_path / "education.db", "notes", "pu9"), FaultState(), credentials)
    response = Client(app).get("/api/v1/pupils/pu9/notes", headers={"X-API-Key": "k"})
    assert response.status_code == 500 and response.json == {"error": "server_error"}
