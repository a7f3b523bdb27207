"""The connector contract against real sandbox processes: the demo config on the demo cohort plus a Synthea child."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import SourceUnavailableError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.testing import ConnectorContract
from sandbox.cohort.generate import generate
from sandbox.cohort.write import write
from sandbox.fhir_loader import load_bundle
from sandbox.launcher import SandboxHandle, free_port, start_all
from tests.integration.connectors.fake_fhir import SYNTHEA_DIR
from tests.integration.connectors.sandbox_source import SANDBOX_ENV, SMALL_PAGE, SandboxSource, SandboxSqlSource

SYNTHEA_CHI = "0211165794"  # Gerardo Botello: the fixture with an emergency admission
SYNTHEA_CHIS = {"Gerardo_Botello": SYNTHEA_CHI, "Daisey_Johns": "1904851231", "Emanuel_Carroll": "0101011237",
                "Jake_Fay": "2902201230", "Luigi_Wiegand": "0101011113", "Noel_Reynolds": "3112994507"}
COHORT_SIZE = 30
PROBED_CHILDREN = 12


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, list[dict]]]:
    data_dir = tmp_path_factory.mktemp("connectors-sandbox")
    cohort = generate(size=COHORT_SIZE)
    write(cohort, data_dir)
    for name, chi in SYNTHEA_CHIS.items():
        load_bundle(data_dir, next(SYNTHEA_DIR.glob(f"{name}_*.json")), chi)
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
    source_class: type[SandboxSource] = SandboxSource

    @pytest.fixture
    def source(self, sandbox, known_people):
        handle, _ = sandbox
        source = self.source_class(handle, self.agency, known_people[self.agency])
        source.clear()
        yield source
        source.clear()


class TestEducationOnSandbox(_CohortAgency):
    agency = "education"


class TestPoliceOnSandbox(_CohortAgency):
    agency = "police"


class TestScraOnSandbox(_CohortAgency):
    agency = "scra"


class _OneListAtATime(SandboxSource):
    """SCRA configured as an agency without `windows_together`: one request per list's window."""

    def config(self, **limits: Any) -> dict[str, Any]:
        config = super().config(**limits)
        assert config.pop("windows_together", None) is not None  # the demo config declares it
        return config


class TestScraOneListAtATimeOnSandbox(_CohortAgency):
    """The contract again for the path an agency lacking the capability takes."""

    agency = "scra"
    source_class = _OneListAtATime


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


@pytest.mark.parametrize("name", sorted(SYNTHEA_CHIS))
def test_every_synthea_fixture_reads_completely_from_the_health_sandbox(sandbox, name: str) -> None:
    handle, _ = sandbox
    bundle = json.loads(next(SYNTHEA_DIR.glob(f"{name}_*.json")).read_text(encoding="utf-8"))
    counts = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    source = SandboxSource(handle, "health", PersonQuery(chi=SYNTHEA_CHIS[name]))
    connector = build_connector("health", source.config(page_size=200), source.env())
    try:
        people = connector.find_people(source.known_person, deadline=time.monotonic() + 10)
        assert [p.chi for p in people] == [SYNTHEA_CHIS[name]]
        records = connector.fetch_records(people[0], connector.categories, deadline=time.monotonic() + 10)
    finally:
        connector.close()
    by_category = Counter(e.category for e in records.events)
    assert by_category["health_encounters"] == counts["Encounter"]
    assert by_category["immunisations"] == counts["Immunization"]
    assert by_category["health_conditions"] == counts["Condition"]
    assert by_category["health_plans"] == counts["CarePlan"]
    assert records.dropped_wrong_child == 0


def test_a_batched_health_read_shows_what_one_search_per_type_shows_in_one_round_trip(sandbox) -> None:
    handle, _ = sandbox
    source = SandboxSource(handle, "health", PersonQuery(chi=SYNTHEA_CHI))
    read = {}
    asked = {}
    for batched in (True, False):
        connector = build_connector("health", {**source.config(), "batch_reads": batched}, source.env())
        try:
            # Without the search's Patient, so the Patient is read too (as for a person confirmed earlier).
            person = replace(connector.find_people(source.known_person, deadline=time.monotonic() + 10)[0],
                             source_item=None)
            source.clear()
            read[batched] = connector.fetch_records(person, connector.categories, deadline=time.monotonic() + 10)
            asked[batched] = source.requests()
        finally:
            connector.close()
    assert read[True] == read[False]
    assert len(read[True].events) > 2 * SMALL_PAGE  # so some lists ran past the batch's first page
    types = {"/fhir/" + t for t in ("Patient", "Encounter", "Condition", "Immunization", "AllergyIntolerance",
                                     "Flag", "Appointment", "EpisodeOfCare", "CarePlan")}
    assert {line.split("?")[0] for line in asked[False]} == types
    posts = [line for line in asked[True] if line == "/fhir"]
    assert len(posts) == 1  # every type's first page in one POST; later pages are GETs of the next links
    assert len(asked[True]) == len(asked[False]) + 1  # the same reads, as the request log lists them


def test_person_level_facts_come_from_the_search_that_found_the_person(sandbox, known_people) -> None:
    handle, _ = sandbox
    source = SandboxSource(handle, "education", known_people["education"])
    connector = build_connector("education", source.config(), source.env())
    try:
        person = connector.find_people(source.known_person, deadline=time.monotonic() + 10)[0]
        source.clear()
        found = connector.fetch_records(person, frozenset({"enrolment"}), deadline=time.monotonic() + 10)
        asked_found = source.requests()
        # A person known some other way (without the search's item) is looked up again, to the same facts.
        known = replace(person, source_item=None)
        again = connector.fetch_records(known, frozenset({"enrolment"}), deadline=time.monotonic() + 10)
        asked_again = source.requests()[len(asked_found):]
    finally:
        connector.close()
    assert "school" in [f.field for f in found.facts]
    assert found == again
    assert asked_found == []
    assert [line.split("?")[0] for line in asked_again] == ["/api/v1/pupils"]


def test_health_demographics_come_from_the_patient_the_search_found(sandbox) -> None:
    handle, _ = sandbox
    source = SandboxSource(handle, "health", PersonQuery(chi=SYNTHEA_CHI))
    connector = build_connector("health", source.config(), source.env())
    try:
        person = connector.find_people(source.known_person, deadline=time.monotonic() + 10)[0]
        source.clear()
        found = connector.fetch_records(person, frozenset({"demographics"}), deadline=time.monotonic() + 10)
        asked_found = source.requests()
        # A person known some other way (without the search's Patient) is read again, to the same facts.
        again = connector.fetch_records(replace(person, source_item=None), frozenset({"demographics"}),
                                        deadline=time.monotonic() + 10)
        asked_again = source.requests()[len(asked_found):]
        # The search's Patient serves only the Patient it is: another person's record reads its own.
        other = connector.fetch_records(replace(person, source_id="someone-else"), frozenset({"demographics"}),
                                        deadline=time.monotonic() + 10)
    finally:
        connector.close()
    assert found.facts
    assert found == again
    assert asked_found == []
    assert [line.split("?")[0] for line in asked_again] == ["/fhir/Patient"]
    assert other.facts == ()
