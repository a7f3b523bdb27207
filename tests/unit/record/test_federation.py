"""Federation: parallel fan-out within one deadline, identity on every answer, a status for every agency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from connectors.errors import SourceUnavailableError, TimedOutError
from connectors.models import (
    ChronologyEvent,
    KeyFact,
    PersonQuery,
    PersonRecord,
    SourceRecords,
    SourceState,
)
from portal.record.gather import GatherRequest, gather, search
from tests.support.fakes import FakeConnector

CHI = "1503741206"
TWIN_CHI = "1503741214"  # Mod-11 valid; the twin's number
BIRTH = date(2015, 3, 12)
QUERY = PersonQuery(chi=CHI, forename="Kate", surname="Mackenzie", birth_date=BIRTH, postcode="EH6 5AB")


def person(agency: str, source_id: str, chi: str | None = CHI, **overrides: object) -> PersonRecord:
    fields: dict[str, object] = {"forename": "Kate", "surname": "Mackenzie", "birth_date": BIRTH, "postcode": "EH6 5AB"}
    fields.update(overrides)
    identifiers = (("chi", chi),) if chi else ()
    return PersonRecord(agency=agency, source_id=source_id, identifiers=identifiers, **fields)  # type: ignore[arg-type]


def event(agency: str, record_id: str, category: str, subject: str | None = None) -> ChronologyEvent:
    return ChronologyEvent(
        agency=agency,
        source_system=f"{agency} system",
        source_record_id=record_id,
        event_date=date(2024, 3, 3),
        title="Event",
        category=category,
        subject_source_id=subject,
    )


@pytest.fixture
def hung() -> Iterator[threading.Event]:
    release = threading.Event()
    yield release
    release.set()  # let the abandoned thread finish so the test run can exit


def allow_all(*connectors: FakeConnector) -> dict[str, frozenset[str]]:
    return {c.agency: c.categories for c in connectors}


def test_every_agency_answers_in_parallel_well_under_the_sum_of_latencies() -> None:
    connectors = [
        FakeConnector(agency, [person(agency, f"{agency}-1")], delay_s=0.3)
        for agency in ("health", "social_work", "education", "police", "scra")
    ]
    started = time.monotonic()
    results = gather(connectors, GatherRequest(QUERY, allow_all(*connectors)))
    elapsed = time.monotonic() - started
    assert [r.agency for r in results] == ["health", "social_work", "education", "police", "scra"]
    assert {r.status.state for r in results} == {SourceState.ANSWERED}
    assert elapsed < 1.0  # the sum would be 1.5 s


def test_a_hung_agency_costs_the_deadline_and_the_others_are_still_present(hung: threading.Event) -> None:
    stuck = FakeConnector("police", [person("police", "p1")], release=hung)
    fine = FakeConnector(
        "health", [person("health", "h1")], {"h1": SourceRecords(events=(event("health", "e1", "a"),))}
    )
    started = time.monotonic()
    results = gather([stuck, fine], GatherRequest(QUERY, allow_all(stuck, fine)), deadline_s=0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5
    police, health = results
    assert police.status.state == SourceState.TIMED_OUT
    assert "did not answer within 0.5 s" in police.status.reason
    assert health.status.state == SourceState.ANSWERED
    assert [e.source_record_id for e in health.records.events] == ["e1"]


def test_connector_errors_become_statuses_with_the_connectors_reason() -> None:
    down = FakeConnector("education", error=SourceUnavailableError("Education could not be reached"))
    slow = FakeConnector("scra", error=TimedOutError("SCRA took longer than 2.5 s to answer"))
    broken = FakeConnector("police", error=KeyError("Kate Mackenzie"))
    results = gather([down, slow, broken], GatherRequest(QUERY, allow_all(down, slow, broken)))
    assert [(r.status.state, r.status.reason) for r in results[:2]] == [
        (SourceState.FAILED, "Education could not be reached"),
        (SourceState.TIMED_OUT, "SCRA took longer than 2.5 s to answer"),
    ]
    assert results[2].status.state == SourceState.FAILED
    assert "Kate" not in results[2].status.reason and "KeyError" in results[2].status.reason


def test_agency_with_no_allowed_category_is_not_called_and_lists_what_is_withheld() -> None:
    police = FakeConnector("police", [person("police", "p1")], categories=frozenset({"concerns", "cp_flag"}))
    results = gather([police], GatherRequest(QUERY, {"police": frozenset()}))
    assert police.calls == []
    assert results[0].status.state == SourceState.WITHHELD
    assert results[0].status.withheld_categories == ("concerns", "cp_flag")


def test_only_allowed_categories_are_asked_for_and_kept() -> None:
    records = SourceRecords(
        events=(event("health", "e1", "a"), event("health", "e2", "b")),
        facts=(KeyFact("allergies", "Peanut", "health", "GP", category="b"),),
    )
    health = FakeConnector("health", [person("health", "h1")], {"h1": records})
    [result] = gather([health], GatherRequest(QUERY, {"health": frozenset({"a"})}))
    assert health.calls[-1] == ("fetch_records", ("h1", frozenset({"a"})))
    assert [e.source_record_id for e in result.records.events] == ["e1"]
    assert result.records.facts == ()
    assert result.status.withheld_categories == ("b",)
    assert result.status.item_count == 1


def test_wrong_child_records_are_dropped_and_reported() -> None:
    records = SourceRecords(events=(event("police", "mine", "a", "p1"), event("police", "theirs", "a", "p9")))
    police = FakeConnector("police", [person("police", "p1"), person("police", "p2", TWIN_CHI)], {"p1": records})
    [result] = gather([police], GatherRequest(QUERY, allow_all(police)))
    assert [p.source_id for p in result.people] == ["p1"]
    assert [e.source_record_id for e in result.records.events] == ["mine"]
    assert result.status.dropped_wrong_child == 2
    assert "2 records for another person were dropped" in result.status.reason
    assert ("fetch_records", ("p2", police.categories)) not in police.calls


def test_demographic_match_is_offered_as_a_candidate_not_fetched_until_confirmed() -> None:
    no_chi = person("police", "p7", chi=None, forename="Katie", surname="McKenzie")
    records = {"p7": SourceRecords(events=(event("police", "c1", "a"),))}
    police = FakeConnector("police", [no_chi], records)
    [offered] = gather([police], GatherRequest(QUERY, allow_all(police)))
    assert offered.status.state == SourceState.NO_RECORD
    assert "1 possible match to confirm" in offered.status.reason
    assert [c.person.source_id for c in offered.candidates] == ["p7"]
    assert "first name similar: Kate/Katie" in offered.candidates[0].match.reasons
    assert offered.records.events == ()

    confirmed = GatherRequest(QUERY, allow_all(police), confirmed=frozenset({("police", "p7")}))
    [linked] = gather([police], confirmed)
    assert linked.status.state == SourceState.ANSWERED
    assert [e.source_record_id for e in linked.records.events] == ["c1"]


def test_search_groups_by_chi_and_keeps_namesakes_and_no_chi_records_apart() -> None:
    demographic = PersonQuery(forename="Kate", surname="Mackenzie", birth_date=BIRTH, postcode="EH6 5AB")
    health = FakeConnector("health", [person("health", "h1"), person("health", "h2", TWIN_CHI, forename="Kate")])
    education = FakeConnector("education", [person("education", "e1")])
    police = FakeConnector("police", [person("police", "p1", chi=None, forename="Katie")])
    outcome = search([health, education, police], demographic, 2.0)
    by_chi = {child.chi: child for child in outcome.children}
    assert set(by_chi) == {CHI, TWIN_CHI}
    assert by_chi[CHI].agencies == ("health", "education")
    assert by_chi[TWIN_CHI].agencies == ("health",)
    # The police record has no CHI: it is offered on both namesakes, merged into neither.
    assert [c.person.source_id for c in by_chi[CHI].candidates] == ["p1"]
    assert [c.person.source_id for c in by_chi[TWIN_CHI].candidates] == ["p1"]
    assert all(child.match.decision == "candidate" for child in outcome.children)
    assert [s.state for s in outcome.statuses] == [SourceState.ANSWERED] * 3


def test_search_does_not_offer_a_no_chi_twin_on_the_other_twin() -> None:
    demographic = PersonQuery(surname="Mackenzie", forename="Kate", birth_date=BIRTH)
    health = FakeConnector("health", [person("health", "h1")])
    police = FakeConnector("police", [person("police", "p1", chi=None, forename="Emily")])
    outcome = search([health, police], demographic, 2.0)
    [kate] = [child for child in outcome.children if child.chi == CHI]
    assert kate.candidates == ()
    assert all(child.records[0].forename != "Emily" for child in outcome.children)


def test_search_reports_a_hung_agency_as_timed_out(hung: threading.Event) -> None:
    health = FakeConnector("health", [person("health", "h1")])
    police = FakeConnector("police", release=hung)
    started = time.monotonic()
    outcome = search([health, police], QUERY, 0.5)
    assert time.monotonic() - started < 1.5
    assert [s.state for s in outcome.statuses] == [SourceState.ANSWERED, SourceState.TIMED_OUT]
    assert [child.chi for child in outcome.children] == [CHI]
    assert outcome.children[0].match.reasons[0] == "CHI matches"


def test_gather_uses_known_records_as_evidence_for_candidates() -> None:
    renamed = PersonQuery(chi=CHI, forename="Kate", surname="Gillespie", birth_date=BIRTH)
    known = person("social_work", "sw1", surname="Gillespie", previous_surnames=("Mackenzie",))
    police = FakeConnector("police", [person("police", "p1", chi=None)])
    [without] = gather([police], GatherRequest(renamed, allow_all(police)))
    [with_known] = gather([police], GatherRequest(renamed, allow_all(police), references=(known,)))
    assert without.candidates == ()
    assert [c.person.source_id for c in with_known.candidates] == ["p1"]


def test_a_chi_gather_also_asks_by_demographics_to_offer_records_without_the_chi() -> None:
    namesake = person("police", "p2", TWIN_CHI)
    no_chi = person("police", "p3", chi=None)
    police = FakeConnector("police", [namesake, no_chi], honest=True)
    [result] = gather([police], GatherRequest(QUERY, allow_all(police)))
    assert result.people == ()
    assert [c.person.source_id for c in result.candidates] == ["p3"]
    assert result.status.dropped_wrong_child == 0  # a namesake found by name is not a fault
    asked = [q for name, q in police.calls if name == "find_people"]
    # By CHI, then by surname and birth date only (first names are scored, not looked up), with the Mc spelling.
    assert [(q.chi, q.surname, q.forename) for q in asked] == [  # type: ignore[attr-defined]
        (CHI, "Mackenzie", "Kate"),
        (None, "Mackenzie", None),
        (None, "Mckenzie", None),
    ]

    police.calls.clear()
    gather([police], GatherRequest(QUERY, allow_all(police), find_by_demographics=False))
    assert len([name for name, _ in police.calls if name == "find_people"]) == 1


def test_no_name_lookup_when_the_chi_already_found_the_child_at_that_agency() -> None:
    police = FakeConnector("police", [person("police", "p1"), person("police", "p3", chi=None)], honest=True)
    [result] = gather([police], GatherRequest(QUERY, allow_all(police)))
    assert [p.source_id for p in result.people] == ["p1"]
    assert result.candidates == ()
    assert len([name for name, _ in police.calls if name == "find_people"]) == 1


def test_a_confirmed_person_no_lookup_finds_is_still_fetched() -> None:
    elsewhere = person("police", "p9", chi=None, surname="McKenzie", postcode="G1 1AA")
    police = FakeConnector("police", [], {"p9": SourceRecords(events=(event("police", "c9", "a"),))}, honest=True)
    [result] = gather([police], GatherRequest(QUERY, allow_all(police), confirmed_people=(elsewhere,)))
    assert result.status.state == SourceState.ANSWERED
    assert [e.source_record_id for e in result.records.events] == ["c9"]
    assert result.links[0].match.basis == "confirmed"


def test_spelling_variants_and_previous_surnames_find_records_an_exact_lookup_would_miss() -> None:
    renamed = PersonQuery(chi=CHI, forename="Kate", surname="Gillespie", birth_date=BIRTH)
    known = person("social_work", "sw1", surname="Gillespie", previous_surnames=("McKenzie",))
    police = FakeConnector(
        "police", [person("police", "p1", chi=None, forename="Katie", surname="Mackenzie")], honest=True
    )
    [result] = gather([police], GatherRequest(renamed, allow_all(police), references=(known,)))
    assert [c.person.source_id for c in result.candidates] == ["p1"]
    assert "previous surname matches: McKenzie (now Gillespie)/Mackenzie" in result.candidates[0].match.reasons


def test_search_by_name_finds_a_nickname_and_a_twin_is_a_separate_child_only_without_a_first_name() -> None:
    kate = person("health", "h1")
    twin = person("health", "h2", TWIN_CHI, forename="Emily")
    police = FakeConnector(
        "police", [person("police", "p1", chi=None, forename="Katie", surname="McKenzie")], honest=True
    )
    health = FakeConnector("health", [kate, twin], honest=True)
    by_name = search([health, police], PersonQuery(forename="Kate", surname="Mackenzie", birth_date=BIRTH), 2.0)
    assert [child.chi for child in by_name.children] == [CHI]
    assert [c.person.source_id for c in by_name.children[0].candidates] == ["p1"]
    by_surname = search([health, police], PersonQuery(surname="Mackenzie", birth_date=BIRTH), 2.0)
    assert {child.chi for child in by_surname.children} >= {CHI, TWIN_CHI}


def test_a_candidate_beside_a_linked_record_at_the_same_agency_is_flagged() -> None:
    # This source answers a CHI lookup with every record it holds, so the no-CHI one comes back too.
    police = FakeConnector("police", [person("police", "p1"), person("police", "p2", chi=None)])
    [result] = gather([police], GatherRequest(QUERY, allow_all(police)))
    assert [c.person.source_id for c in result.candidates] == ["p2"]
    assert "Police already holds a record linked to this child: this may be another child" in (
        result.candidates[0].match.reasons
    )


def test_a_chi_only_gather_borrows_name_and_birth_date_from_known_records() -> None:
    chi_only = PersonQuery(chi=CHI)
    known = person("health", "h1")
    police = FakeConnector("police", [person("police", "p3", chi=None, forename="Katie")], honest=True)
    [without] = gather([police], GatherRequest(chi_only, allow_all(police)))
    [with_known] = gather([police], GatherRequest(chi_only, allow_all(police), references=(known,)))
    assert without.candidates == ()
    assert [c.person.source_id for c in with_known.candidates] == ["p3"]
    assert "first name similar: Kate/Katie" in with_known.candidates[0].match.reasons


def test_search_by_chi_drops_and_reports_records_for_another_child() -> None:
    police = FakeConnector("police", [person("police", "p1"), person("police", "p2", TWIN_CHI)])
    outcome = search([police], PersonQuery(chi=CHI), 2.0)
    assert [child.chi for child in outcome.children] == [CHI]
    [status] = outcome.statuses
    assert status.dropped_wrong_child == 1
    assert status.reason == "1 record for another person was dropped"
