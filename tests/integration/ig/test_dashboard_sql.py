"""The dashboard's SQL path flags exactly what the flag functions find over the whole period, on both databases,
from the raw trail alone and with days summarised by the daily rollup."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from portal.audit import AuditInput, AuditWriter
from portal.audit.dashboard_queries import dashboard_counts
from portal.audit.entry import RecordedEntry
from portal.audit.queries import iter_entries
from portal.audit.rollup import summarise_days
from portal.ig.dashboard_flags import FlagList, dashboard_flags
from portal.ig.flags import Flag, FlagThresholds, all_flags, is_successful_view
from portal.ig.surnames import surname_hash, surname_of
from tests.support.audit_store import migrated_audit_engine

KEY = "dashboard-sql-key"
START = datetime(2026, 3, 23, 0, 0, tzinfo=UTC)  # a week across the change to BST (29 March 2026)
END = START + timedelta(days=8)
PEOPLE = [("teacher", "Sam Reid"), ("hv", "Jo Campbell"), ("police", "Chris Baird"), ("lp", "Alex Morrison"),
          ("busy", "Pat Busy")]
THRESHOLDS = FlagThresholds(many_children=12, refusals_per_day=3)


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


def _viewer_hash(name: str) -> str | None:
    surname = surname_of(name)
    return surname_hash(surname, KEY) if surname else None


def _flagged(flags: dict[str, list[Flag]]) -> dict[str, set[tuple[object, ...]]]:
    return {kind: {(flag.user_id, flag.reason, flag.sequences) for flag in found} for kind, found in flags.items()}


def _shown(flags: dict[str, FlagList]) -> dict[str, list[Flag]]:
    return {kind: found.shown for kind, found in flags.items()}


def _everything(engine: Engine) -> list[RecordedEntry]:
    return list(iter_entries(engine, since=START))


@pytest.mark.parametrize("summarised", [False, True], ids=["raw trail", "half summarised"])
def test_dashboard_flags_are_the_flag_functions_over_the_whole_period(engine: Engine, summarised: bool) -> None:
    _trail(engine)
    if summarised:  # the first four days from the rollup, the rest from the raw trail
        assert len(summarise_days(engine, today=date(2026, 3, 27))) == 4
    everything = _everything(engine)
    expected = all_flags(everything, KEY, THRESHOLDS)
    found, _ = dashboard_flags(engine, START, END, THRESHOLDS, KEY, _viewer_hash, shown=len(everything))
    assert _flagged(_shown(found)) == _flagged(expected)
    totals = {kind: flags.total for kind, flags in found.items()}
    assert totals == {kind: len(flags) for kind, flags in expected.items()}
    assert all(expected[kind] for kind in expected), "the trail should raise every kind of flag"


def test_the_kinds_counted_in_sql_show_their_earliest_flags(engine: Engine) -> None:
    _trail(engine)
    everything = _everything(engine)
    by_time = sorted(everything, key=lambda entry: (entry.recorded_at, entry.sequence))
    expected = all_flags(by_time, KEY, THRESHOLDS)  # these two kinds list flags in the order of their entries
    found, loaded = dashboard_flags(engine, START, END, THRESHOLDS, KEY, _viewer_hash, shown=3)
    for kind in ("no_relationship", "out_of_hours"):
        assert len(expected[kind]) > 3
        assert found[kind].total == len(expected[kind])
        assert found[kind].shown == expected[kind][:3]
    assert loaded < len(everything), "the database should leave out what cannot be flagged"


def test_counts_are_the_same_from_the_rollup_and_equal_a_count_of_the_entries(engine: Engine) -> None:
    _trail(engine)
    everything = _everything(engine)
    views = [entry for entry in everything if is_successful_view(entry)]
    per_user = Counter(f"{entry.user_display_name} ({entry.user_id})" for entry in views)
    start, end = START + timedelta(hours=5, minutes=30), END  # a period that starts mid-day, mid-hour
    inside = Counter((_uk_day(entry.recorded_at), _agency(entry)) for entry in views if entry.recorded_at >= start)
    raw = dashboard_counts(engine, start, end)
    summarise_days(engine, today=date(2026, 3, 28))
    assert dashboard_counts(engine, start, end) == raw
    assert Counter({(day, agency): n for day, agency, n in raw.views_by_day_agency}) == inside
    whole = dashboard_counts(engine, START, END)
    assert whole.top_users == sorted(per_user.items(), key=lambda item: (-item[1], item[0]))[:10]


def _uk_day(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/London")).date().isoformat()


def _agency(entry: RecordedEntry) -> str:
    return (entry.organisation or "").split(":", 1)[0].strip() or "unknown"


def test_charts_count_each_uk_day_as_the_raw_trail_does_across_the_change_to_bst(engine: Engine) -> None:
    """28 March is GMT (23:30 UTC is still 28 March), 29 March changes to BST at 01:00 UTC, and from then 23:30 UTC
    is the next UK day: whether days are summarised or not, each entry lands on its UK day, as a count says."""
    _trail(engine)
    evenings = [datetime(2026, 3, day, hour, 30, tzinfo=UTC) for day in (27, 28, 29, 30) for hour in (0, 1, 22, 23)]
    for n, moment in enumerate(evenings):
        organisation = ("health: NHS Lothian", "police: Police Scotland")[n % 2]
        for kind, glass in (("view_child", False), ("break_glass_start", True)):
            AuditWriter(engine, clock=lambda moment=moment: moment).record(AuditInput(
                event_type=kind, user_id="hv", user_display_name="Jo Campbell", organisation=organisation,
                subject_chi="0101011237", relationship_basis="named_person", break_glass=glass,
                break_glass_reason="risk" if glass else None))
    everything = _everything(engine)
    start = datetime(2026, 3, 27, 0, tzinfo=UTC)  # UK midnight, GMT
    bst_midnight = datetime(2026, 3, 29, 23, tzinfo=UTC)  # UK midnight on 30 March: mid UTC day
    for summarised in (False, True):
        if summarised:
            assert len(summarise_days(engine, today=date(2026, 3, 31))) == 8
        for end in (END, bst_midnight):
            inside = [entry for entry in everything if start <= entry.recorded_at < end]
            views = Counter((_uk_day(entry.recorded_at), _agency(entry)) for entry in inside
                            if is_successful_view(entry))
            glass = Counter(_uk_day(entry.recorded_at) for entry in inside if entry.event_type == "break_glass_start")
            counted = dashboard_counts(engine, start, end)
            assert Counter({(day, agency): n for day, agency, n in counted.views_by_day_agency}) == views
            assert dict(counted.break_glass_by_day) == dict(glass)
        # 28 March: its four (23:30 GMT too); 29 March: 00:30, 01:30 (02:30 BST) and 22:30; 30 March: from 23:30
        # UTC on the 29th to 22:30 UTC; 23:30 UTC on the 30th is 31 March.
        assert counted.break_glass_by_day == [("2026-03-27", 4), ("2026-03-28", 4), ("2026-03-29", 3)]
        assert dict(dashboard_counts(engine, start, END).break_glass_by_day)["2026-03-30"] == 4
