"""Each fault mode makes the HTTP systems really misbehave the way its name says, and clears cleanly."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.sandbox.conftest import ADMIN_KEY, EDUCATION_AUTH, HEALTH_AUTH, SCRA_AUTH, TEST_ENV, set_fault
from tests.integration.sandbox.stores import CHI_A


def notes_url(handle: SandboxHandle, pupil: str = "pu1") -> str:
    return f"{handle.urls['education']}/pupils/{pupil}/notes"


def test_fixed_and_random_latency_delay_answers(faults: SandboxHandle) -> None:
    set_fault(faults, "education", mode="latency", latency_ms=600)
    started = time.monotonic()
    assert requests.get(notes_url(faults), headers=EDUCATION_AUTH, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.55
    set_fault(faults, "education", mode="latency", latency_min_ms=300, latency_max_ms=400)
    started = time.monotonic()
    assert requests.get(notes_url(faults), headers=EDUCATION_AUTH, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.29


def test_hang_outlasts_the_client_timeout_without_blocking_other_requests(faults: SandboxHandle) -> None:
    set_fault(faults, "scra", mode="hang", hang_seconds=30)
    url = f"{faults.urls['scra']}/children?chi={CHI_A}"
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.get(url, headers=SCRA_AUTH, timeout=1)
    assert time.monotonic() - started < 5
    held = threading.Thread(target=lambda: _swallow(url), daemon=True)
    held.start()  # one request still held while the fault is cleared and another is answered
    requests.delete(f"{faults.admin_urls['scra']}/_sandbox/faults", headers={"X-Sandbox-Admin": ADMIN_KEY}, timeout=5)
    assert requests.get(url, headers=SCRA_AUTH, timeout=5).status_code == 200
    held.join(5)
    assert not held.is_alive()  # clearing the fault released the held request too


def _swallow(url: str) -> None:
    with contextlib.suppress(requests.RequestException):
        requests.get(url, headers=SCRA_AUTH, timeout=10)


def test_refuse_closes_the_port_and_clearing_reopens_it(faults: SandboxHandle) -> None:
    port = urlsplit(faults.urls["police"]).port
    set_fault(faults, "police", mode="refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    # The admin channel still answers, so the fault can be cleared.
    status = requests.get(f"{faults.admin_urls['police']}/_sandbox/faults", timeout=5).json()
    assert status["fault"]["mode"] == "refuse"
    requests.delete(f"{faults.admin_urls['police']}/_sandbox/faults", headers={"X-Sandbox-Admin": ADMIN_KEY}, timeout=5)
    root = faults.urls["police"].removesuffix("/api")
    assert requests.post(f"{root}/oauth/token", data={"grant_type": "password"}, timeout=5).status_code == 400


def test_server_errors_come_in_the_systems_own_dialect(faults: SandboxHandle) -> None:
    set_fault(faults, "health", mode="error500")
    response = requests.get(f"{faults.urls['health']}/Patient?_id=pa", headers=HEALTH_AUTH, timeout=5)
    assert response.status_code == 500 and response.json()["resourceType"] == "OperationOutcome"
    set_fault(faults, "education", mode="error503")
    response = requests.get(notes_url(faults), headers=EDUCATION_AUTH, timeout=5)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"


def test_malformed_json_does_not_parse(faults: SandboxHandle) -> None:
    set_fault(faults, "health", mode="malformed_json")
    response = requests.get(f"{faults.urls['health']}/Encounter?patient=pa", headers=HEALTH_AUTH, timeout=5)
    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_truncated_body_breaks_the_read(faults: SandboxHandle) -> None:
    set_fault(faults, "education", mode="truncated")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.get(notes_url(faults), headers=EDUCATION_AUTH, timeout=5)


def test_wrong_child_answers_with_another_subjects_records(faults: SandboxHandle) -> None:
    set_fault(faults, "education", mode="wrong_child")
    items = requests.get(notes_url(faults, "pu1"), headers=EDUCATION_AUTH, timeout=5).json()["items"]
    assert items and {i["pupil_id"] for i in items} == {"pu2"}
    set_fault(faults, "health", mode="wrong_child")
    bundle = requests.get(f"{faults.urls['health']}/Encounter?patient=pa", headers=HEALTH_AUTH, timeout=5).json()
    assert bundle["entry"] and {e["resource"]["subject"]["reference"] for e in bundle["entry"]} == {"Patient/pb"}
    patient = requests.get(f"{faults.urls['health']}/Patient?identifier={CHI_A}", headers=HEALTH_AUTH,
                           timeout=5).json()["entry"][0]["resource"]
    assert CHI_A not in [i["value"] for i in patient["identifier"]]


def test_page_forever_always_offers_another_page(faults: SandboxHandle) -> None:
    set_fault(faults, "education", mode="page_forever")
    url = f"{notes_url(faults, 'pu2')}?page_size=1"
    for _ in range(6):  # pu2 has two notes, yet every page has data and a next link
        body = requests.get(url, headers=EDUCATION_AUTH, timeout=5).json()
        assert body["items"] and body["next"]
        url = body["next"]
    set_fault(faults, "health", mode="page_forever")
    url = f"{faults.urls['health']}/Encounter?patient=pb&_count=2"
    for _ in range(4):
        bundle = requests.get(url, headers=HEALTH_AUTH, timeout=5).json()
        url = next(link["url"] for link in bundle["link"] if link["relation"] == "next")


def test_fault_admin_needs_the_key_and_a_known_mode(faults: SandboxHandle) -> None:
    admin = f"{faults.admin_urls['scra']}/_sandbox/faults"
    assert requests.post(admin, json={"mode": "error500"}, timeout=5).status_code == 401
    response = requests.post(admin, json={"mode": "explode"}, headers={"X-Sandbox-Admin": ADMIN_KEY}, timeout=5)
    assert response.status_code == 400 and "unknown fault mode" in response.json()["detail"]
    assert requests.get(f"{faults.urls['scra']}/children?chi={CHI_A}", headers=SCRA_AUTH, timeout=5).ok


def test_fault_set_at_start_from_the_environment(data_dir: Path) -> None:
    env = {**TEST_ENV, "SANDBOX_EDUCATION_FAULT": "error503"}
    with start_all(data_dir, {"education": free_port()}, env, agencies=["education"]) as handle:
        response = requests.get(notes_url(handle), headers=EDUCATION_AUTH, timeout=5)
        assert response.status_code == 503
        requests.delete(f"{handle.admin_urls['education']}/_sandbox/faults", headers={"X-Sandbox-Admin": ADMIN_KEY},
                        timeout=5)
        assert requests.get(notes_url(handle), headers=EDUCATION_AUTH, timeout=5).status_code == 200


def test_a_held_request_does_not_stop_the_system_shutting_down(data_dir: Path) -> None:
    env = {**TEST_ENV, "SANDBOX_SCRA_FAULT": "hang"}
    handle = start_all(data_dir, {"scra": free_port()}, env, agencies=["scra"])
    url = f"{handle.urls['scra']}/children?chi={CHI_A}"
    held = threading.Thread(target=lambda: _swallow(url), daemon=True)
    held.start()
    time.sleep(0.3)  # let the request reach the server and be held
    started = time.monotonic()
    handle.stop(timeout=10)
    assert handle.processes["scra"].returncode is not None and time.monotonic() - started < 5
