"""A second council's pupil records, for running a second education system beside the first.

Strathbrae is a fictional council next to Glenmorven. A few Glenmorven children (same CHI,
name and birth date as in the main cohort) also attend Strathbrae's shared specialist
provision, so their records there belong in the same single-child view. The store has the
same shape as the main education store, so `python -m sandbox serve education --data-dir
<this folder>` serves it unchanged.

`python -m sandbox.cohort.second_council --from instance/sandbox --data-dir instance/sandbox-north`
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sandbox.cohort.education import OPENINGS_PER_WEEK, school_weeks
from sandbox.cohort.model import TODAY
from sandbox.cohort.write import MANIFEST, list_children
from sandbox.stores.records import StoreRecord, insert_records, open_store

SCHOOL = "Strathbrae Academy (shared specialist provision)"
NAMED_PERSON = {"name": "Morven Ure", "role": "Depute head teacher", "school": SCHOOL}
FIRST_WEEK = date(2026, 8, 17)


def second_council_records(main_data_dir: Path, count: int = 2) -> tuple[list[StoreRecord], list[dict[str, Any]]]:
    """Strathbrae pupil records for the first `count` school-age children of the main cohort, and their entries.

    Chosen in manifest order among children known to health, social work and education, so the
    choice is the same on every run of the same cohort.
    """
    children = [c for c in list_children(main_data_dir) if {"health", "social_work", "education"} <= set(c["ids"])]
    main_store = open_store(Path(main_data_dir) / "education.db")
    try:
        chosen = children[:count]
        records: list[StoreRecord] = []
        for number, child in enumerate(chosen, start=1):
            records += _pupil_records(_main_pupil(main_store, child["ids"]["education"]), number)
    finally:
        main_store.close()
    entries = [{**child, "ids": {"education_north": f"STB-{n:04d}"}} for n, child in enumerate(chosen, start=1)]
    return records, entries


def write_second_council(main_data_dir: Path, data_dir: Path, count: int = 2) -> list[dict[str, Any]]:
    """Write `education.db` and a `cohort.json` of the chosen children into `data_dir`; returns the entries."""
    records, entries = second_council_records(main_data_dir, count)
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "education.db"
    target.unlink(missing_ok=True)
    store = open_store(target, create=True)
    try:
        insert_records(store, records)
    finally:
        store.close()
    (data_dir / MANIFEST).write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return entries


def _main_pupil(store: sqlite3.Connection, pupil_id: str) -> dict[str, Any]:
    row = store.execute("SELECT json FROM records WHERE collection = 'pupils' AND id = ?", (pupil_id,)).fetchone()
    if row is None:
        raise LookupError(f"pupil {pupil_id} is not in the main education store")
    pupil: dict[str, Any] = json.loads(row[0])
    return pupil


def _pupil_records(main: dict[str, Any], number: int) -> list[StoreRecord]:
    pupil_id = f"STB-{number:04d}"
    pupil = {**main, "pupil_id": pupil_id, "school": SCHOOL, "named_person": NAMED_PERSON,
             "updated_at": "2026-08-17T08:00:00Z"}
    records = [StoreRecord("pupils", pupil_id, pupil_id, "2026-08-17", pupil)]
    first_note = FIRST_WEEK + timedelta(days=3)
    notes = (
        (first_note, "Started at Strathbrae shared provision",
         "Attends Strathbrae two days a week under the cross-boundary placement agreed with Glenmorven.",
         "Share the timetable with the Glenmorven named person."),
        (first_note + timedelta(days=42), "Distressed after weekend contact",
         "Arrived upset and withdrawn; settled with the key worker by mid-morning.",
         "Guidance teacher to tell the lead professional."),
    )
    for index, (when, title, summary, action) in enumerate(notes, start=1):
        note_id = f"STB-NOTE-{number:04d}-{index}"
        records.append(StoreRecord("notes", note_id, pupil_id, when.isoformat(), {
            "note_id": note_id, "date": when.isoformat(), "title": title, "summary": summary, "significant": True,
            "shanarri": ["safe", "nurtured"], "action": action, "author_role": "Depute head teacher",
            "security_label": "N"}))
    for monday in school_weeks(FIRST_WEEK, TODAY - timedelta(days=1)):
        attended = OPENINGS_PER_WEEK - (3 if monday.day <= 7 else 0)  # the first week of each month is patchy
        records.append(StoreRecord("attendance", f"{pupil_id}-{monday.isoformat()}", pupil_id, monday.isoformat(), {
            "week_start": monday.isoformat(), "possible_openings": OPENINGS_PER_WEEK,
            "attended_openings": attended, "security_label": "N",
            "absences": [{"code": "31", "description": "Unauthorised absence", "openings": 3}] if attended < 10 else [],
        }))
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cohort.second_council", description=__doc__)
    parser.add_argument("--from", dest="main_dir", type=Path, default=Path("instance/sandbox"),
                        help="the main cohort's data directory (written by python -m sandbox.cohort)")
    parser.add_argument("--data-dir", type=Path, default=Path("instance/sandbox-north"))
    parser.add_argument("--count", type=int, default=2)
    args = parser.parse_args(argv)
    entries = write_second_council(args.main_dir, args.data_dir, args.count)
    print(f"wrote {len(entries)} Strathbrae pupils to {args.data_dir}")  # counts only, never names
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
