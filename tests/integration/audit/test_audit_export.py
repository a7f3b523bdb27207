"""Exports: a FHIR R4 Bundle of BALP-shaped AuditEvents that a FHIR library accepts, and a safe CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from portal.audit import AuditInput, AuditWriter, EventType, Outcome, export_csv, export_fhir_bundle, write_fhir_bundle
from portal.audit.export import CSV_COLUMNS

CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"


class SteppingClock:
    """A clock the test moves, so `since` filters have something to cut."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def trail(store, make_input):  # type: ignore[no-untyped-def]
    clock = SteppingClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    writer = AuditWriter(store.engine, clock=clock)
    writer.record(AuditInput(event_type=EventType.SIGN_IN, user_id="user-0", client_address="10.0.0.5"))
    writer.record_many([make_input(i, event_type=EventType.SEARCH) for i in range(3)])
    writer.record(make_input(0))
    start = writer.record(
        make_input(1, event_type=EventType.BREAK_GLASS_START, break_glass=True, break_glass_reason="Out of hours")
    )
    clock.now += timedelta(days=2)
    writer.record(make_input(1, break_glass=True, break_glass_reason="Out of hours", purpose_of_use="ETREAT"))
    writer.record(
        make_input(1, event_type=EventType.BREAK_GLASS_END, break_glass=True, related_sequence=start.sequence)
    )
    writer.record(make_input(2, event_type=EventType.REFUSED, outcome=Outcome.MINOR_FAILURE, outcome_text="No basis"))
    writer.record(
        AuditInput(
            event_type=EventType.BREAK_GLASS_REVIEW,
            user_id="ig-1",
            user_role="ig_officer",
            related_sequence=start.sequence,
            details={"decision": "appropriate"},
        )
    )
    return store


def _events(bundle_dict: dict) -> list[AuditEvent]:
    bundle = Bundle.model_validate(bundle_dict)  # raises if anything is not valid R4
    assert bundle.type == "collection"
    return [entry.resource for entry in bundle.entry]


def _codes(codings) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(coding.system, coding.code) for coding in codings or []}


def test_fhir_export_parses_as_r4_audit_events(trail) -> None:  # type: ignore[no-untyped-def]
    events = _events(export_fhir_bundle(trail.engine))

    assert len(events) == 10
    assert all(isinstance(event, AuditEvent) for event in events)
    assert [event.id for event in events] == [f"scv-audit-{n}" for n in range(1, 11)]


def test_a_view_looks_like_a_balp_patient_read(trail) -> None:  # type: ignore[no-untyped-def]
    view = next(e for e in _events(export_fhir_bundle(trail.engine)) if e.id == "scv-audit-5")

    assert (view.type.system, view.type.code) == ("http://dicom.nema.org/resources/ontology/DCM", "110110")
    assert _codes(view.subtype) == {("http://hl7.org/fhir/restful-interaction", "read")}
    assert view.action == "R" and view.outcome == "0"
    assert view.recorded.isoformat().startswith("2026-03-01T09:00:00")
    user = next(agent for agent in view.agent if agent.requestor)
    assert (user.altId, user.name) == ("user-0", "Practitioner 0")
    assert user.role[0].text == "health_visitor"
    assert ("http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC") in _codes(user.purposeOfUse[0].coding)
    assert user.policy == ["urn:scv:agreement:ISP-LOTHIAN-2024"]
    assert any(agent.network and agent.network.address == "10.0.0.5" for agent in view.agent)
    patient = next(entity for entity in view.entity if entity.role and entity.role.code == "1")
    assert patient.type.code == "1"
    assert (patient.what.identifier.system, patient.what.identifier.value) == (CHI_SYSTEM, "0101201234")
    health = next(entity for entity in view.entity if entity.name == "health")
    assert {label.code for label in health.securityLabel} == {"N", "R"}
    assert view.source.observer.display


def test_search_and_break_glass_use_their_own_codes(trail) -> None:  # type: ignore[no-untyped-def]
    events = {event.id: event for event in _events(export_fhir_bundle(trail.engine))}

    search = events["scv-audit-2"]
    assert search.action == "E"
    assert _codes(search.subtype) == {("http://hl7.org/fhir/restful-interaction", "search-type")}
    started, ended = events["scv-audit-6"], events["scv-audit-8"]
    assert started.type.code == ended.type.code == "110113"
    assert _codes(started.subtype) == {("http://dicom.nema.org/resources/ontology/DCM", "110127")}
    assert _codes(ended.subtype) == {("http://dicom.nema.org/resources/ontology/DCM", "110138")}
    refused = events["scv-audit-9"]
    assert (refused.outcome, refused.outcomeDesc) == ("4", "No basis")
    review = events["scv-audit-10"]
    reviewed = next(entity for entity in review.entity if entity.what.identifier.system == "urn:scv:audit-entry")
    assert reviewed.what.identifier.value == "6"
    assert {(d.type, d.valueString) for d in reviewed.detail} == {("decision", "appropriate")}


def test_fhir_export_filters_by_child_user_and_since(trail) -> None:  # type: ignore[no-untyped-def]
    by_child = _events(export_fhir_bundle(trail.engine, child="1502191235"))
    by_user = _events(export_fhir_bundle(trail.engine, user="ig-1"))
    recent = _events(export_fhir_bundle(trail.engine, since=datetime(2026, 3, 2, tzinfo=UTC)))

    assert [e.id for e in by_child] == ["scv-audit-3", "scv-audit-6", "scv-audit-7", "scv-audit-8"]
    assert [e.id for e in by_user] == ["scv-audit-10"]
    assert [e.id for e in recent] == [f"scv-audit-{n}" for n in (7, 8, 9, 10)]


def test_fhir_bundle_written_as_json(trail) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    written = write_fhir_bundle(trail.engine, out, child="0101201234")
    assert written == len(_events(json.loads(out.getvalue()))) == 2


def test_csv_export_has_every_column_and_row(trail) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    written = export_csv(trail.engine, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == 10
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert rows[0]["event_type"] == "sign_in" and rows[0]["recorded_at"] == "2026-03-01T09:00:00.000000Z"
    assert json.loads(rows[4]["sources"])[0]["record_ids"] == ["enc-1", "enc-0"]
    assert rows[5]["break_glass"] == "true" and rows[5]["break_glass_reason"] == "Out of hours"
    assert rows[1]["entry_hash"] == rows[2]["prev_hash"]


def test_csv_cells_cannot_become_spreadsheet_formulas(store) -> None:  # type: ignore[no-untyped-def]
    AuditWriter(store.engine).record(
        AuditInput(event_type=EventType.SIGN_IN_FAILED, user_id='=HYPERLINK("http://x")', user_agent="+cmd|' /C calc'")
    )
    out = io.StringIO()
    export_csv(store.engine, out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["user_id"] == '\'=HYPERLINK("http://x")'
    assert row["user_agent"].startswith("'+")
