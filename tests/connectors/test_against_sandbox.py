"""The connector contract against real sandbox processes: the demo config on the demo cohort plus a Synthea child."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.errors import SourceUnavailableError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.testing import ConnectorContract
from sandbox.cohort.generate import generate
from sandbox.cohort.write import write
from sandbox.fhir_loader import load_bundle
from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.connectors.fake_fhir import SYNTHEA_DIR
from tests.connectors.sandbox_source import SANDBOX_ENV, SandboxSource, SandboxSqlSource

SYNTHEA_CHI = "0211165794"
COHORT_SIZE = 30
PROBED_CHILDREN = 12


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, list[dict]]]:
    data_dir = tmp_path_factory.mktemp("connectors-sandbox")
    cohort = generate(size=COHORT_SIZE)
    write(cohort, data_dir)
    bundle = next(SYNTHEA_DIR.glob("Gerardo_Botello_*.json"))  # the fixture with an emergency admission
    load_bundle(data_dir, bundle, SYNTHEA_CHI)
    ports = {agency: free_port() for agency in ("health", "social_work", "education", "police", "scra")}
    with start_all(Path(data_dir), ports, dict(SANDBOX_ENV)) as handle:
        yield handle, cohort.children


def _best_known_person(source: SandboxSource, children: list[dict]) -> PersonQuery:
    """The probed child this agency finds exactly once and holds the most records about."""
    connector = build_connector(source.agency, source.config(page_size=200), source.env())
    best: tuple[int, PersonQuery] | None = None
    try:
        for child in children[:PROBED_CHILDREN]:
            queries = [PersonQuery(chi=child["chi"]), PersonQuery(
                surname=child["surname"], forename=child["forename"],
                birth_date=date.fromisoformat(child["birth_date"]))]
            for query in queries:
                people = connector.find_people(query, deadline=time.monotonic() + 10)
                if len(people) == 1:
                    records = connector.fetch_records(people[0], connector.categories, deadline=time.monotonic() + 10)
                    size = len(records.events) + len(records.facts)
                    if best is None or size > best[0]:
                        best = (size, query)
                    break
    finally:
        connector.close()
    assert best is not None and best[0] > 0, f"no probed child has {source.agency} records"
    return best[1]


class TestHealthOnSandbox(ConnectorContract):
    @pytest.fixture
    def source(self, sandbox):
        handle, _ = sandbox
        source = SandboxSource(handle, "health", PersonQuery(chi=SYNTHEA_CHI))
        source.clear()
        yield source
        source.clear()


@pytest.fixture(scope="module")
def known_people(sandbox) -> dict[str, PersonQuery]:
    handle, children = sandbox
    known = {agency: _best_known_person(SandboxSource(handle, agency, PersonQuery()), children)
             for agency in ("education", "police", "scra")}
    known["social_work"] = _best_known_person(SandboxSqlSource(handle, PersonQuery()), children)
    return known


class _CohortAgency(ConnectorContract):
    agency = ""

    @pytest.fixture
    def source(self, sandbox, known_people):
        handle, _ = sandbox
        source = SandboxSource(handle, self.agency, known_people[self.agency])
        source.clear()
        yield source
        source.clear()


class TestEducationOnSandbox(_CohortAgency):
    agency = "education"


class TestPoliceOnSandbox(_CohortAgency):
    agency = "police"


class TestScraOnSandbox(_CohortAgency):
    agency = "scra"


class TestSocialWorkOnSandbox(ConnectorContract):
    @pytest.fixture
    def source(self, sandbox, known_people):
        handle, _ = sandbox
        source = SandboxSqlSource(handle, known_people["social_work"])
        source.clear()
        yield source
        source.clear()


def test_a_listener_that_refuses_connections_is_reported_unavailable(sandbox) -> None:
    handle, _ = sandbox
    source = SandboxSource(handle, "scra", PersonQuery(chi=SYNTHEA_CHI))
    connector = build_connector("scra", source.config(), source.env())
    source.inject("refuse")
    try:
        with pytest.raises(SourceUnavailableError, match="could not be reached"):
            connector.find_people(source.known_person, deadline=time.monotonic() + 5)
    finally:
        source.clear()
        connector.close()
