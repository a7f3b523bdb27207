"""Strathbrae's pupil records: main-cohort children on a second education store of the same shape."""

from __future__ import annotations

from pathlib import Path

from sandbox.cohort import list_children
from sandbox.cohort.second_council import SCHOOL, write_second_council
from sandbox.stores.records import all_of, open_store, query


def test_second_council_pupils_are_main_cohort_children_at_another_school(data_dir: Path, tmp_path: Path) -> None:
    entries = write_second_council(data_dir, tmp_path / "north", count=2)
    main = {child["chi"]: child for child in list_children(data_dir)}
    assert len(entries) == 2 and all(entry["chi"] in main for entry in entries)
    assert list_children(tmp_path / "north") == entries
    store = open_store(tmp_path / "north" / "education.db")
    try:
        pupils = all_of(store, "pupils")
        assert {p["chi"] for p in pupils} == {e["chi"] for e in entries}
        assert {p["school"] for p in pupils} == {SCHOOL}
        for pupil in pupils:
            child = main[pupil["chi"]]
            assert (pupil["forename"], pupil["surname"], pupil["dob"]) == (
                child["forename"], child["surname"], child["birth_date"])
            notes = query(store, "notes", pupil["pupil_id"])
            assert [n["title"] for n in notes] == ["Started at Strathbrae shared provision",
                                                   "Distressed after weekend contact"]
    finally:
        store.close()
    # Written twice, the same records (the choice follows the main cohort's order).
    assert write_second_council(data_dir, tmp_path / "north", count=2) == entries
