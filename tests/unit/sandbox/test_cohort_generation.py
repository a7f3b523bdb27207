"""The cohort as a whole: deterministic, big enough, and with identifiers that validate."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sandbox.cohort import Cohort, generate, list_children, write
from sandbox.cohort.identifiers import chi_scheme, scn_is_valid
from sandbox.stores.records import all_of

REPO = Path(__file__).resolve().parents[3]
SQLITE_FILES = ("health.db", "education.db", "police.db", "scra.db", "socialwork.db")


def _dump(path: Path) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_generating_twice_gives_identical_cohorts(cohort: Cohort) -> None:
    assert generate() == cohort


def test_a_different_seed_gives_a_different_cohort(cohort: Cohort) -> None:
    other = generate(seed=7)
    assert [c["chi"] for c in other.children] != [c["chi"] for c in cohort.children]


HARD_CASE_TAGS = {"twins", "namesake", "name_variant", "no_chi_police", "no_chi_education", "moved_council",
                  "restricted", "very_restricted", "sealed", "third_party", "nopat", "large", "multi_agency"}


def test_every_tag_used_is_documented(manifest: list[dict]) -> None:
    from sandbox.cohort import SCENARIO_TAGS

    used = {tag for child in manifest for tag in child["tags"]}
    assert used == set(SCENARIO_TAGS) == HARD_CASE_TAGS


@pytest.mark.parametrize("seed", [1, 99, 4242])
def test_every_hard_case_is_present_whatever_the_seed(seed: int) -> None:
    small = generate(seed=seed, size=40)
    assert len(small.children) == 40
    assert {tag for child in small.children for tag in child["tags"]} >= HARD_CASE_TAGS


def test_a_cohort_too_small_for_the_stories_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(size=10)


def test_writing_twice_rewrites_identical_stores(cohort: Cohort, data_dir: Path, tmp_path: Path) -> None:
    write(cohort, tmp_path)
    first = {name: _dump(tmp_path / name) for name in SQLITE_FILES}
    write(cohort, tmp_path)  # over the top of the first write: must replace, not append
    for name in SQLITE_FILES:
        assert _dump(tmp_path / name) == first[name], name
        assert _dump(data_dir / name) == first[name], name
    assert (tmp_path / "cohort.json").read_bytes() == (data_dir / "cohort.json").read_bytes()
    assert not list(tmp_path.glob("*.building"))


def test_cohort_has_at_least_200_children_with_unique_valid_chis(manifest: list[dict]) -> None:
    assert len(manifest) >= 200
    chis = [child["chi"] for child in manifest]
    assert len(set(chis)) == len(chis)
    for child in manifest:
        chi = child["chi"]
        assert isinstance(chi, str) and chi_scheme(chi) is not None, child["ids"]
        assert chi[:6] == date.fromisoformat(child["birth_date"]).strftime("%d%m%y")
        assert (int(chi[8]) % 2 == 1) == (child["sex"] == "male")


def test_some_chis_are_valid_only_under_luhn(manifest: list[dict]) -> None:
    schemes = [chi_scheme(child["chi"]) for child in manifest]
    luhn_only = schemes.count("mod10")
    assert 0.05 * len(manifest) <= luhn_only <= 0.2 * len(manifest)
    assert schemes.count("mod11") + luhn_only == len(manifest)
    assert any(chi.startswith("0") for chi in (child["chi"] for child in manifest))  # leading zeros kept


def test_every_pupil_has_a_valid_scn(stores: dict) -> None:
    pupils = all_of(stores["education"], "pupils")
    assert pupils
    for pupil in pupils:
        assert scn_is_valid(pupil["scn"]), pupil["pupil_id"]


def test_postcodes_are_well_formed_and_fictional(manifest: list[dict]) -> None:
    import re

    for child in manifest:
        assert re.fullmatch(r"GV[1-9] [1-9][A-Z]{2}", child["postcode"]), child["postcode"]


def test_manifest_ids_point_at_real_records(manifest: list[dict], stores: dict) -> None:
    collections = {"health": "Patient", "education": "pupils", "police": "subjects", "scra": "children"}
    for child in manifest:
        assert "health" in child["ids"]  # everyone is registered with a GP
        for agency, collection in collections.items():
            if agency in child["ids"]:
                conn = stores[agency]
                row = conn.execute("SELECT json FROM records WHERE collection = ? AND id = ?",
                                   (collection, child["ids"][agency])).fetchone()
                assert row is not None, (agency, child["ids"][agency])
        if "social_work" in child["ids"]:
            person = stores["socialwork"].execute("SELECT birth_date FROM people WHERE person_id = ?",
                                                  (child["ids"]["social_work"],)).fetchone()
            assert person["birth_date"] == child["birth_date"]


def test_school_age_children_have_weekly_attendance_with_consistent_openings(stores: dict) -> None:
    conn = stores["education"]
    rows = [json.loads(r[0]) for r in conn.execute("SELECT json FROM records WHERE collection = 'attendance'")]
    assert len(rows) > 5000
    for week in rows[:3000]:
        assert date.fromisoformat(week["week_start"]).weekday() == 0
        missed = sum(a["openings"] for a in week["absences"] if a["code"] != "11")
        assert week["attended_openings"] + missed == week["possible_openings"]
        assert all(len(a["code"]) == 2 and a["description"] for a in week["absences"])


def test_police_concerns_carry_shanarri_tags(stores: dict) -> None:
    from connectors.models import SHANARRI

    concerns = all_of(stores["police"], "concerns")
    assert concerns
    for concern in concerns:
        assert concern["shanarri"] and set(concern["shanarri"]) <= set(SHANARRI)
        assert concern["security_label"] in ("N", "R", "V")


def test_command_line_builds_the_stores(tmp_path: Path, manifest: list[dict]) -> None:
    result = subprocess.run([sys.executable, "-m", "sandbox.cohort", "--data-dir", str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert list_children(tmp_path) == manifest
    for name in SQLITE_FILES:
        assert (tmp_path / name).stat().st_size > 0
    # The command reports counts, never names or CHIs.
    assert not any(child["chi"] in result.stdout or child["surname"] in result.stdout for child in manifest)
