"""Tiny hand-made stores for the sandbox server tests (not the demo cohort)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.stores.records import StoreRecord, insert_records, open_store
from sandbox.stores.socialwork import create_sqlite

CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"
CHI_A, CHI_B = "0101205678", "1502193456"
SEALED_CHI = "0303180303"
ENCOUNTERS_A = 7  # unsealed encounters of patient pa


def _encounter(rid: str, patient: str, day: str) -> StoreRecord:
    body = {"resourceType": "Encounter", "id": rid, "status": "finished",
            "subject": {"reference": f"Patient/{patient}"},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
            "period": {"start": f"{day}T10:00:00Z"}}
    return StoreRecord("Encounter", rid, patient, f"{day}T10:00:00Z", body)


def _patient(pid: str, chi: str, family: str, given: str, birth: str, *, sealed: bool = False) -> StoreRecord:
    body = {"resourceType": "Patient", "id": pid, "identifier": [{"system": CHI_SYSTEM, "value": chi}],
            "name": [{"family": family, "given": [given]}], "birthDate": birth, "gender": "female"}
    return StoreRecord("Patient", pid, None, birth, body, sealed=sealed)  # as the cohort writes it


def health_rows() -> list[StoreRecord]:
    rows = [_patient("pa", CHI_A, "Mackenzie", "Katie", "2020-01-01"),
            _patient("pb", CHI_B, "Brown", "Sam", "2019-02-15"),
            _patient("pc", SEALED_CHI, "Hidden", "Sealed", "2018-03-03", sealed=True)]
    rows += [_encounter(f"enc-a{i}", "pa", f"2023-0{i + 1}-1{i}") for i in range(ENCOUNTERS_A)]
    rows += [_encounter(f"enc-b{i}", "pb", f"2022-0{i + 1}-05") for i in range(3)]
    sealed = _encounter("enc-a-sealed", "pa", "2023-09-09")
    rows.append(StoreRecord(sealed.collection, sealed.id, "pa", sealed.sort_date, sealed.json, sealed=True))
    appt = {"resourceType": "Appointment", "id": "appt-a1", "status": "noshow", "start": "2023-05-01T09:00:00Z",
            "participant": [{"actor": {"reference": "Patient/pa"}, "status": "accepted"}]}
    rows.append(StoreRecord("Appointment", "appt-a1", "pa", "2023-05-01T09:00:00Z", appt))
    return rows


def _person_rows(collection: str, id_field: str, people: list[dict[str, Any]]) -> list[StoreRecord]:
    return [StoreRecord(collection, p[id_field], p[id_field], p["dob"], p) for p in people]


def _items(collection: str, id_field: str, owner_field: str, owner: str, n: int, sealed: int = 0) -> list[StoreRecord]:
    rows = []
    for i in range(n + sealed):
        day = f"2023-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}"
        item = {id_field: f"{collection}-{owner}-{i}", owner_field: owner, "date": day, "security_label": "N"}
        rows.append(StoreRecord(collection, item[id_field], owner, day, item, sealed=i >= n))
    return rows


def education_rows() -> list[StoreRecord]:
    pupils = [
        {"pupil_id": "pu1", "scn": "123456789", "chi": CHI_A, "forename": "Katie", "surname": "Mackenzie",
         "dob": "2020-01-01"},
        {"pupil_id": "pu2", "scn": "987654321", "chi": None, "forename": "Sam", "surname": "Brown",
         "dob": "2019-02-15"},
    ]
    sealed_pupil = {"pupil_id": "pu3", "scn": "555555555", "chi": SEALED_CHI, "forename": "Hidden", "surname": "Pupil",
                    "dob": "2018-03-03"}
    return [*_person_rows("pupils", "pupil_id", pupils), *_items("attendance", "week_id", "pupil_id", "pu1", 120),
            StoreRecord("pupils", "pu3", "pu3", "2018-03-03", sealed_pupil, sealed=True),
            *_items("notes", "note_id", "pupil_id", "pu1", 4, sealed=1),
            *_items("notes", "note_id", "pupil_id", "pu2", 2),
            *_items("exclusions", "exclusion_id", "pupil_id", "pu2", 1)]


def police_rows() -> list[StoreRecord]:
    subjects = [
        {"subject_id": "s1", "chi": None, "forename": "Katie", "surname": "Mackenzie", "dob": "2020-01-01",
         "postcode": "EH1 1AA", "cp_flag": False},
        {"subject_id": "s2", "chi": CHI_B, "forename": "Sam", "surname": "Brown", "dob": "2019-02-15",
         "postcode": "EH2 2BB", "cp_flag": True},
    ]
    return [*_person_rows("subjects", "subject_id", subjects), *_items("concerns", "report_id", "subject_id", "s1", 3),
            *_items("concerns", "report_id", "subject_id", "s2", 5)]


def scra_rows() -> list[StoreRecord]:
    children = [
        {"child_id": "c1", "chi": CHI_A, "forename": "Katie", "surname": "Mackenzie", "dob": "2020-01-01"},
        {"child_id": "c2", "chi": CHI_B, "forename": "Sam", "surname": "Brown", "dob": "2019-02-15"},
    ]
    return [*_person_rows("children", "child_id", children), *_items("referrals", "referral_id", "child_id", "c1", 2),
            *_items("hearings", "hearing_id", "child_id", "c2", 2), *_items("orders", "order_id", "child_id", "c2", 1)]


def social_work_rows() -> dict[str, list[dict[str, Any]]]:
    people = [
        {"person_id": f"sw{i}", "chi": chi, "forename": "Child", "surname": f"Number{i}", "previous_surname": None,
         "birth_date": "2020-01-01", "sex": "F", "postcode": "EH1 1AA", "address": "1 Test Street",
         "security_label": "N"}
        for i, chi in ((1, CHI_A), (2, CHI_B))
    ]
    events = [
        {"event_id": f"ev-{p}-{i}", "person_id": p, "event_date": f"2023-0{i + 1}-01", "date_certainty": "exact",
         "sequence": i, "title": f"event {i} of {p}", "summary": None, "shanarri": "safe", "action": None,
         "impact": None, "author_role": "social worker", "significant": 1, "security_label": "N", "sealed": 0}
        for p, n in (("sw1", 2), ("sw2", 3)) for i in range(n)
    ]
    return {"people": people, "significant_events": events}


def write_stores(data_dir: Path) -> None:
    """Create all five tiny stores under `data_dir`."""
    for name, rows in (("health.db", health_rows()), ("education.db", education_rows()),
                       ("police.db", police_rows()), ("scra.db", scra_rows())):
        conn = open_store(data_dir / name, create=True)
        insert_records(conn, rows)
        conn.close()
    create_sqlite(data_dir / "socialwork.db", social_work_rows())
