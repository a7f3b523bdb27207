"""Daily rollups: pages built from summarised days plus the raw trail give exactly the raw trail's figures."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from portal.audit import AuditInput, AuditWriter, SourceAudit
from portal.audit.flow_queries import flows_for_period
from portal.audit.governance_queries import governance_for_period
from portal.audit.rollup import summarise_days
from portal.audit.store import upgrade_audit_engine
from tests.integration.transparency.test_sql_aggregation import DEC, NOV, _seed
from tests.support.audit_store import migrated_audit_engine
from tests.support.postgres import fresh_database

FIRST = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; the generated trail runs for DAYS days from it
DAYS = 9
ORGS = ("health: NHS Glenmorven", "police: Police Scotland", "education: Council")
STATUSES = ("answered", "answered", "no_record", "withheld", "timed_out", "failed")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_audit_engine(request.param, tmp_path, "transparency_rollup") as made:
        yield made


def _source(rng: random.Random, agency: str) -> SourceAudit:
    status = rng.choice(STATUSES)
    return SourceAudit(agency, status, rng.randrange(5, 900), rng.randrange(0, 9) if status == "answered" else 0,
                       restricted_withheld=rng.choice((0, 0, 1)), sealed_notices=rng.choice((0, 0, 1)),
                       candidates=rng.choice((0, 2)), dropped_wrong_child=rng.choice((0, 0, 2)),
                       withheld_categories=("attendance",) if status == "withheld" else ())


def generate(engine: Engine, seed: int = 7) -> None:
    """Several days of varied entries at varied hours: views, searches, refusals, break-glass, failed views."""
    rng = random.Random(seed)
    for offset_hours in range(0, DAYS * 24, 3):
        moment = FIRST + timedelta(hours=offset_hours, minutes=rng.randrange(60))
        org = rng.choice(ORGS)
        kind = rng.choice(("view_child", "view_child", "chronology_page", "print", "search", "refused",
                           "break_glass_start"))
        sources = tuple(_source(rng, agency) for agency in ("health", "police", "scra") if rng.random() < 0.8)
        entry = AuditInput(event_type=kind, organisation=org, user_role=rng.choice(("practitioner", "lead")),
                           purpose_code=rng.choice(("child_protection", "girfec_wellbeing")),
                           subject_chi=rng.choice(("0101011237", None)), user_id="u1",
                           outcome=4 if kind == "refused" or rng.random() < 0.05 else 0,
                           break_glass=kind == "break_glass_start",
                           sources=() if kind in ("refused", "break_glass_start") else sources,
                           agreements=tuple(rng.sample(("ISP-1 §1", "ISP-2 §4"), rng.randrange(3))))
        AuditWriter(engine, clock=lambda moment=moment: moment).record_many([entry])


def figures(engine: Engine, start: datetime, end: datetime) -> dict[str, list[object]]:
    """Every figure the flows, governance and review pages show, each list sorted (ties may come in any order)."""
    found = {**asdict(flows_for_period(engine, start, end)), **asdict(governance_for_period(engine, start, end))}
    return {name: sorted(rows, key=repr) for name, rows in found.items()}


def rollup_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM audit_daily_flows")).scalar_one())


def periods() -> list[tuple[datetime, datetime]]:
    return [
        (FIRST - timedelta(days=1), FIRST + timedelta(days=DAYS + 1)),  # the whole trail
        (FIRST + timedelta(days=2, hours=13), FIRST + timedelta(days=6, hours=7)),  # starts and ends mid-day
        (FIRST + timedelta(days=1), FIRST + timedelta(days=3)),  # whole days only
        (FIRST + timedelta(days=4, hours=2), FIRST + timedelta(days=4, hours=20)),  # inside one summarised day
        (FIRST + timedelta(days=5, hours=9), FIRST + timedelta(days=DAYS, hours=12)),  # past the summarised days
    ]


def test_rollups_plus_raw_give_the_raw_figures_for_a_generated_trail(engine: Engine) -> None:
    generate(engine)
    raw = {period: figures(engine, *period) for period in periods()}
    assert raw[periods()[0]]["views_by_org_role"], "the generated trail has views"
    assert raw[periods()[0]]["stops_by_reason"], "and stoppages"

    middle = (FIRST + timedelta(days=6)).date()  # days 0-5 summarised; 6 onwards (as if today) read raw
    done = summarise_days(engine, today=middle)
    assert done == [(FIRST + timedelta(days=n)).date() for n in range(6)]
    for period in periods():
        assert figures(engine, *period) == raw[period], period

    rows = rollup_rows(engine)
    assert summarise_days(engine, today=middle) == []  # rerun: nothing new, nothing doubled
    assert rollup_rows(engine) == rows
    later = summarise_days(engine, today=(FIRST + timedelta(days=DAYS + 2)).date())
    assert later[0] == middle
    for period in periods():
        assert figures(engine, *period) == raw[period], period


def test_rollups_plus_raw_give_the_raw_figures_for_the_demo_like_seed(engine: Engine) -> None:
    _seed(engine)
    whole = (NOV - timedelta(days=1), DEC + timedelta(days=1))
    mid = (NOV + timedelta(hours=-2), DEC + timedelta(hours=1))  # starts and ends inside a summarised day
    raw = {period: figures(engine, *period) for period in (whole, mid)}
    assert summarise_days(engine, today=date(2026, 12, 3))[-1] == date(2026, 12, 2)
    assert rollup_rows(engine) > 0
    for period in (whole, mid):
        assert figures(engine, *period) == raw[period]
    # The existing page test's figures still hold when every day is summarised.
    assert figures(engine, *whole)["clause_use"] == [("ISP-1 §1", 2), ("ISP-2 §4", 1)]
    assert ("child_protection", "health", 2, 2, 12) in figures(engine, *whole)["sources_by_purpose_agency"]


def test_an_empty_trail_has_nothing_to_summarise(engine: Engine) -> None:
    assert summarise_days(engine, today=date(2026, 12, 1)) == []


def summarised_twins(tmp_path_factory: pytest.TempPathFactory, fill: Callable[[Engine], None],
                     today: date) -> Iterator[tuple[Engine, Engine]]:
    """The same trail twice on SQLite: one never summarised, one summarised up to `today`."""
    made = []
    for name in ("raw", "summarised"):
        twin = create_engine(f"sqlite:///{Path(tmp_path_factory.mktemp(name)) / 'audit.db'}")
        upgrade_audit_engine(twin)
        fill(twin)
        made.append(twin)
    summarise_days(made[1], today=today)
    yield made[0], made[1]
    for twin in made:
        twin.dispose()


@pytest.fixture(scope="module")
def twin_trails(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """The generated trail, one copy summarised up to its fifth day."""
    yield from summarised_twins(tmp_path_factory, generate, (FIRST + timedelta(days=5)).date())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_hour=st.integers(-30, DAYS * 24), hours=st.integers(1, DAYS * 24))
def test_any_period_gives_the_raw_figures(twin_trails: tuple[Engine, Engine], start_hour: int, hours: int) -> None:
    raw, summarised = twin_trails
    start = FIRST + timedelta(hours=start_hour)
    end = start + timedelta(hours=hours)
    assert figures(summarised, start, end) == figures(raw, start, end)


def test_p95_is_the_top_of_the_nearest_rank_band_with_or_without_rollups(engine: Engine) -> None:
    moment = datetime(2026, 11, 10, 9, tzinfo=UTC)  # a Tuesday: the week starts Monday 9 November
    # Twenty answers; nearest-rank p95 is the 19th: 19 ms, in the band 15 < t <= 20 ms, so shown as 20.
    times = [*range(1, 20), 131]
    AuditWriter(engine, clock=lambda: moment).record_many([
        AuditInput(event_type="search", organisation="health: NHS Glenmorven", purpose_code="child_protection",
                   sources=(SourceAudit("police", "answered", ms),)) for ms in times])
    day = (moment - timedelta(days=1), moment + timedelta(days=1))
    before = governance_for_period(engine, *day).reliability
    assert before == [("2026-11-09", "police", 20, 20, 0, 0, 0, 0, 20)]
    summarise_days(engine, today=date(2026, 11, 12))
    assert governance_for_period(engine, *day).reliability == before
    AuditWriter(engine, clock=lambda: moment + timedelta(hours=1)).record_many([  # two more slow ones
        AuditInput(event_type="search", organisation="health: NHS Glenmorven", purpose_code="child_protection",
                   sources=(SourceAudit("police", "answered", 131),)) for _ in range(2)])
    # The new entries are on a summarised day, which never happens in use (past days are closed): the rollup is
    # what the page reads, so they do not show — proof the figures come from it.
    assert governance_for_period(engine, *day).reliability == before


@pytest.mark.postgres
def test_two_rollups_at_once_summarise_each_day_exactly_once() -> None:
    with fresh_database("transparency_rollup_race") as url:
        engines = [create_engine(url) for _ in range(2)]
        upgrade_audit_engine(engines[0])
        generate(engines[0])
        today = (FIRST + timedelta(days=DAYS)).date()
        raw = figures(engines[0], FIRST, FIRST + timedelta(days=DAYS))
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda made: summarise_days(made, today=today), engines))
        every_day = [(FIRST + timedelta(days=n)).date() for n in range(DAYS)]
        assert sorted(results[0] + results[1]) == every_day  # each day by one run or the other, never both
        assert figures(engines[0], FIRST, FIRST + timedelta(days=DAYS)) == raw
        for made in engines:
            made.dispose()
