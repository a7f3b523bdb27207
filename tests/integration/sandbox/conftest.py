"""Real sandbox processes on free loopback ports, shared by the server tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.sandbox.stores import write_stores

ADMIN_KEY = "test-admin-key"
TEST_ENV = {
    "SANDBOX_ADMIN_KEY": ADMIN_KEY,
    "SANDBOX_HEALTH_TOKEN": "test-health-token",
    "SANDBOX_EDUCATION_API_KEY": "test-education-key",
    "SANDBOX_POLICE_CLIENT_ID": "test-client",
    "SANDBOX_POLICE_CLIENT_SECRET": "test-secret",
    "SANDBOX_SCRA_API_KEY": "test-scra-key",
}
HEALTH_AUTH = {"Authorization": "Bearer test-health-token"}
EDUCATION_AUTH = {"X-API-Key": "test-education-key"}
SCRA_AUTH = {"X-API-Key": "test-scra-key"}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox-data")
    write_stores(path)
    return path


@pytest.fixture(scope="session")
def sandbox(data_dir: Path) -> Iterator[SandboxHandle]:
    ports = {agency: free_port() for agency in ("health", "social_work", "education", "police", "scra")}
    with start_all(data_dir, ports, TEST_ENV) as handle:
        yield handle


def set_fault(handle: SandboxHandle, agency: str, **body: object) -> dict:
    response = requests.post(f"{handle.admin_urls[agency]}/_sandbox/faults", json=body,
                             headers={"X-Sandbox-Admin": ADMIN_KEY}, timeout=15)
    assert response.status_code == 200, response.text
    return response.json()


def clear_fault(handle: SandboxHandle, agency: str) -> None:
    response = requests.delete(f"{handle.admin_urls[agency]}/_sandbox/faults",
                               headers={"X-Sandbox-Admin": ADMIN_KEY}, timeout=15)
    assert response.status_code == 200, response.text


@pytest.fixture
def faults(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """The shared sandbox, with every fault cleared after the test."""
    yield sandbox
    for agency in sandbox.admin_urls:
        clear_fault(sandbox, agency)


def police_token(handle: SandboxHandle) -> str:
    base = handle.urls["police"].removesuffix("/api")
    response = requests.post(f"{base}/oauth/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "test-client", "client_secret": "test-secret"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
