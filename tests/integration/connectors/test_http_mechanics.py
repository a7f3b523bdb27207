"""HTTP mechanics shared by every web connector: OAuth2 token reuse, retries within the deadline, safe paging."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.base import CallTiming
from connectors.errors import FatalError, MalformedResponseError, RetryableError, UnauthorisedError
from connectors.models import PersonQuery
from connectors.registry import build_connector
from connectors.rest import RestConnector
from tests.integration.connectors.fake_rest import EducationAgency, PoliceAgency
from tests.integration.connectors.sources import EducationSource, PoliceSource


def _soon(seconds: float = 10) -> float:
    return time.monotonic() + seconds


@pytest.fixture
def police(police_agency: PoliceAgency) -> Iterator[tuple[RestConnector, PoliceAgency]]:
    police_agency.clear()
    source = PoliceSource(police_agency)
    connector = build_connector("police", source.config(), source.env())
    assert isinstance(connector, RestConnector)
    yield connector, police_agency
    connector.close()
    police_agency.clear()


def test_oauth_token_is_fetched_once_and_reused(police) -> None:
    connector, agency = police
    issued_before = agency.tokens_issued
    person = connector.find_people(PoliceSource.known_person, deadline=_soon())[0]
    connector.fetch_records(person, connector.categories, deadline=_soon())
    assert agency.tokens_issued == issued_before + 1


def test_rejected_token_is_refreshed_once_then_the_call_succeeds(police) -> None:
    connector, agency = police
    connector.find_people(PoliceSource.known_person, deadline=_soon())
    issued_before = agency.tokens_issued
    agency.revoke_tokens()  # as if the token had expired early on the server
    people = connector.find_people(PoliceSource.known_person, deadline=_soon())
    assert len(people) == 1
    assert agency.tokens_issued == issued_before + 1


def test_wrong_client_secret_fails_without_looping(police_agency: PoliceAgency) -> None:
    police_agency.clear()
    source = PoliceSource(police_agency)
    connector = build_connector("police", source.config(bad_credentials=True), source.env())
    issued_before, asked_before = police_agency.tokens_issued, police_agency.token_requests
    try:
        with pytest.raises(UnauthorisedError, match="Police Scotland refused"):
            connector.find_people(PoliceSource.known_person, deadline=_soon())
    finally:
        connector.close()
    assert police_agency.tokens_issued == issued_before
    assert police_agency.token_requests == asked_before + 1
    assert police_agency.log == []  # no data request was made without a token


def test_persistent_unavailability_is_retried_a_bounded_number_of_times(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    calls: list[CallTiming] = []
    config = {**source.config(), "max_retries": 2}
    connector = build_connector("education", config, source.env(), on_call=calls.append)
    education_agency.set_fault("error503")
    try:
        with pytest.raises(RetryableError, match="HTTP 503"):
            connector.find_people(source.known_person, deadline=_soon())
    finally:
        connector.close()
        education_agency.clear()
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert all(c.status == 503 for c in calls)


def test_no_retry_is_started_that_could_not_finish_inside_the_deadline(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    calls: list[CallTiming] = []
    config = {**source.config(), "max_retries": 5, "backoff": 0.5}
    connector = build_connector("education", config, source.env(), on_call=calls.append)
    education_agency.set_fault("error503")
    started = time.monotonic()
    try:
        with pytest.raises(RetryableError):
            connector.find_people(source.known_person, deadline=started + 0.3)
    finally:
        connector.close()
        education_agency.clear()
    assert len(calls) == 1  # a 0.5 s pause would overrun a 0.3 s deadline
    assert time.monotonic() - started < 0.6


def test_truncated_answer_is_malformed(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    connector = build_connector("education", source.config(), source.env())
    education_agency.set_fault("truncated")
    try:
        with pytest.raises(MalformedResponseError, match="Education"):
            connector.find_people(source.known_person, deadline=_soon())
    finally:
        connector.close()
        education_agency.clear()


def test_paging_link_to_another_server_is_refused(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    connector = build_connector("education", source.config(), source.env())
    person = connector.find_people(source.known_person, deadline=_soon())[0]
    original = education_agency.origin
    try:
        # The agency advertises next links on a different host than the one configured.
        type(education_agency).origin = property(lambda self: original.replace("127.0.0.1", "localhost"))
        with pytest.raises(MalformedResponseError, match="another server"):
            connector.fetch_records(person, frozenset({"pastoral_notes"}), deadline=_soon())
    finally:
        del type(education_agency).origin
        connector.close()
    assert all("localhost" not in line for line in education_agency.log)


def test_restricted_notice_and_labels_are_carried_through(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    connector = build_connector("education", source.config(), source.env())
    try:
        person = connector.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
        records = connector.fetch_records(person, frozenset({"pastoral_notes"}), deadline=_soon())
    finally:
        connector.close()
    assert records.restricted_notices and "Further information is held" in records.restricted_notices[0]
    assert {e.security_label for e in records.events} == {"N", "R"}
    assert "Pastoral note 4" not in {e.title for e in records.events}  # sealed at source


def test_independent_reads_for_one_child_are_sent_at_once(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    config = {**source.config(page_size=200), "parallel_requests": 4}
    connector = build_connector("education", config, source.env())
    pool = ThreadPoolExecutor(max_workers=4)  # the portal shares its one fan-out pool the same way
    connector.share_executor(pool)
    try:
        person = connector.find_people(source.known_person, deadline=_soon())[0]
        education_agency.set_fault("latency", latency_ms=300)
        started = time.monotonic()
        records = connector.fetch_records(person, connector.categories, deadline=_soon())
        elapsed = time.monotonic() - started
    finally:
        connector.close()
        pool.shutdown()
        education_agency.clear()
    assert records.events and records.facts
    # Four reads (three collections and the pupil record) at 300 ms each: one after another would take 1.2 s.
    assert elapsed < 0.9


def test_debug_logging_never_shows_the_chi_searched_for(education_agency: EducationAgency, caplog) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    connector = build_connector("education", source.config(), source.env())
    try:
        with caplog.at_level(logging.DEBUG):
            person = connector.find_people(PersonQuery(chi="1503741206"), deadline=_soon())[0]
            connector.fetch_records(person, connector.categories, deadline=_soon())
    finally:
        connector.close()
    assert caplog.records, "the connector logs its calls (timings) at DEBUG"
    assert "1503741206" not in caplog.text
    assert "Fakename" not in caplog.text


def test_a_token_about_to_expire_is_replaced_before_it_is_used() -> None:
    agency = PoliceAgency("portal-test", "test-police-secret", token_ttl_s=5).start()
    source = PoliceSource(agency)
    connector = build_connector("police", source.config(), source.env())
    try:
        connector.find_people(PoliceSource.known_person, deadline=_soon())
        connector.find_people(PoliceSource.known_person, deadline=_soon())
    finally:
        connector.close()
        agency.stop()
    # A 5 s token is inside the refresh margin, so each call fetched a fresh one rather than risk a 401.
    assert agency.tokens_issued == 2


def test_redirects_are_not_followed_so_the_api_key_stays_with_its_server(education_agency: EducationAgency) -> None:
    education_agency.clear()
    source = EducationSource(education_agency)
    connector = build_connector("education", source.config(), source.env())
    education_agency.set_fault("redirect", location=education_agency.origin.replace("127.0.0.1", "localhost"))
    try:
        with pytest.raises(FatalError, match="redirected"):
            connector.find_people(source.known_person, deadline=_soon())
    finally:
        connector.close()
        education_agency.clear()
