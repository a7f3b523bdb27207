"""The dashboard's SQL path flags exactly what the flag functions find over the whole period, on both databases."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from portal.audit import AuditInput, AuditWriter
from portal.audit.dashboard_queries import flag_candidates
from portal.audit.queries import iter_entries
from portal.ig.flags import FlagThresholds, all_flags
from portal.ig.surnames import surname_hash, surname_of
from tests.support.audit_store import migrated_audit_engine

KEY = "dashboard-sql-key"
START = datetime(2026, 3, 23, 0, 0, tzinfo=UTC)  # a week across the change to BST (29 March 2026)
PEOPLE = [("teacher", "Sam Reid"), ("hv", "Jo Campbell"), ("police", "Chris Baird"), ("lp", "Alex Morrison"),
          ("busy", "Pat Busy")]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "dashboard_sql") as made:
        yield made


def _trail(engine: Engine) -> None:
    rng = random.Random(11)
    for n in range(400):
        user, name = rng.choice(PEOPLE)
        moment = START + timedelta(minutes=rng.randint(0, 7 * 24 * 60))
        chi = f"{rng.randint(1, 40 if user == 'busy' else 6):02d}01011237"
        kind = rng.choices(["view_child", "chronology_page", "refused", "search"], weights=[70, 10, 10, 10])[0]
        own = surname_hash(surname_of(name) or "", KEY) if rng.random() < 0.05 else surname_hash("Other", KEY)
        entry = AuditInput(
            event_type=kind, outcome=4 if kind == "refused" else 0, user_id=user, user_display_name=name,
            subject_chi=chi, relationship_basis=rng.choice(["named_person", "none", None, "team_around_child"]),
            details={"child_surname_hash": own, "n": n})
        AuditWriter(engine, clock=lambda moment=moment: moment).record(entry)


def _flagged(flags: dict) -> dict[str, set[tuple]]:  # type: ignore[type-arg]
    return {kind: {(flag.user_id, flag.reason, flag.sequences) for flag in found} for kind, found in flags.items()}


def test_sql_candidates_give_the_same_flags_as_the_whole_period(engine: Engine) -> None:
    _trail(engine)
    thresholds = FlagThresholds(many_children=12, refusals_per_day=3)
    end = START + timedelta(days=8)
    everything = [entry for entry in iter_entries(engine, since=START)]
    expected = _flagged(all_flags(everything, KEY, thresholds))
    candidates = flag_candidates(
        engine, START, end, many_children=thresholds.many_children, median_multiple=thresholds.median_multiple,
        median_minimum=thresholds.median_minimum_children, refusals_per_day=thresholds.refusals_per_day,
        viewer_surname_hash=lambda name: surname_hash(surname_of(name) or "", KEY) if surname_of(name) else None)
    found = _flagged(all_flags(candidates.entries, KEY, thresholds, candidates.children_per_viewer))
    assert found == expected
    assert all(expected[kind] for kind in expected), "the trail should raise every kind of flag"
    assert len(candidates.entries) < len(everything), "the database should leave out what cannot be flagged"
