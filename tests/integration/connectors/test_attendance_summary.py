"""The school's attendance summary and low-weeks filter give what the whole weekly list gives.

The education connector, told of `pupils/{id}/attendance/summary` and `below_percent`, reads the attendance
fact from the summary and the low-attendance events from the filtered list. Against the sandbox, for
several pupils (the 5,000-event child among them), both must equal what reading every week gives; and the
filtered list must sort, page, bound and count as the other windowed lists do.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.base import Connector
from connectors.models import PersonQuery
from connectors.registry import build_connector
from tests.integration.connectors.sources import demo_table
from tests.support.sandbox import RunningSandbox, running_sandbox

ATTENDANCE = frozenset({"attendance"})
PUPILS = 6  # ordinary cohort children compared besides the large one


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with tempfile.TemporaryDirectory() as folder, running_sandbox(Path(folder)) as running:
        yield running


def _connector(sandbox: RunningSandbox, *, summarised: bool) -> Connector:
    table = demo_table("education")
    for collection in table["collections"]:
        if not summarised:
            collection.pop("summary", None)
    assert any("summary" in c for c in table["collections"]) is summarised
    return build_connector("education", table, sandbox.env)


def _get(sandbox: RunningSandbox, path: str, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{sandbox.env['SANDBOX_EDUCATION_URL']}/{path}", params=params, timeout=10,
                            headers={"X-API-Key": sandbox.env["SANDBOX_EDUCATION_API_KEY"]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _whole_list(sandbox: RunningSandbox, pupil: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = _get(sandbox, f"pupils/{pupil}/attendance", page_size=200, offset=offset)
        items += body["items"]
        if body["next"] is None:
            return items
        offset += 200


def _pupil_ids(sandbox: RunningSandbox) -> list[str]:
    """The large child's pupil id and a few ordinary children's, each with weekly attendance."""
    ids: list[str] = []
    for child in [sandbox.child("large"), *sandbox.cohort]:
        found = _get(sandbox, "pupils", chi=child["chi"])["pupils"]
        if found and found[0]["pupil_id"] not in ids:
            ids.append(found[0]["pupil_id"])
        if len(ids) > PUPILS:
            break
    return ids


def _low(week: dict[str, Any], below: float = 80) -> bool:
    return week["possible_openings"] > 0 and 100 * week["attended_openings"] / week["possible_openings"] < below


def test_the_summary_and_the_low_weeks_equal_those_of_the_whole_list(sandbox: RunningSandbox) -> None:
    pupils = _pupil_ids(sandbox)
    assert len(pupils) == PUPILS + 1
    lows_seen = 0
    for pupil in pupils:
        weeks = _whole_list(sandbox, pupil)
        counted = [w for w in weeks if w["possible_openings"] > 0]
        summary = _get(sandbox, f"pupils/{pupil}/attendance/summary")
        assert (summary["attended_openings"], summary["possible_openings"], summary["periods"]) == (
            sum(w["attended_openings"] for w in counted), sum(w["possible_openings"] for w in counted),
            len(counted)), pupil
        low = [w["week_start"] for w in weeks if _low(w)]
        lows_seen += len(low)
        window = _get(sandbox, f"pupils/{pupil}/attendance", below_percent=80, sort="date", order="desc",
                      page_size=3)
        assert window["total"] == len(low)
        assert [w["week_start"] for w in window["items"]] == sorted(low, reverse=True)[:3]
    assert lows_seen > 0, "some pupil in the comparison has a low week"


def test_the_low_weeks_list_bounds_and_pages_by_date(sandbox: RunningSandbox) -> None:
    pupil = _pupil_ids(sandbox)[0]  # the large child: years of weeks
    low = sorted(w["week_start"] for w in _whole_list(sandbox, pupil) if _low(w, 95))
    assert len(low) > 4
    since, until = low[1], low[-2]
    body = _get(sandbox, f"pupils/{pupil}/attendance", below_percent=95, since=since, until=until, order="asc",
                page_size=2, offset=1)
    inside = [d for d in low if since <= d <= until]
    assert body["total"] == len(inside)
    assert [w["week_start"] for w in body["items"]] == inside[1:3]
    assert body["next"] is not None


def test_the_connector_reads_the_same_fact_and_events_from_the_summary(sandbox: RunningSandbox) -> None:
    summarised, whole = _connector(sandbox, summarised=True), _connector(sandbox, summarised=False)
    children = [sandbox.child("large"), *sandbox.cohort[:PUPILS]]
    compared = 0
    low_events = 0
    try:
        for child in children:
            answers = []
            for connector in (summarised, whole):
                people = connector.find_people(PersonQuery(chi=child["chi"]), deadline=time.monotonic() + 30)
                records = [connector.fetch_records(p, ATTENDANCE, deadline=time.monotonic() + 30) for p in people]
                answers.append((
                    sorted((f.field, f.value, f.security_label) for r in records for f in r.facts),
                    sorted((e.event_date, e.title, e.source_record_id, e.security_label, e.significant)
                           for r in records for e in r.events),
                    sorted(n for r in records for n in r.restricted_notices)))
            assert answers[0] == answers[1], child["chi"]
            compared += bool(answers[0][0])
            low_events += len(answers[0][1])
    finally:
        summarised.close()
        whole.close()
    assert compared >= 2, "the comparison covers children with an attendance fact"
    assert low_events > 0, "and some low-attendance events"


def test_the_summarised_list_is_not_read_whole(sandbox: RunningSandbox) -> None:
    calls: list[str] = []
    table = demo_table("education")
    connector = build_connector("education", table, sandbox.env, on_call=lambda timing: calls.append(timing.endpoint))
    try:
        person = connector.find_people(PersonQuery(chi=sandbox.child("large")["chi"]),
                                       deadline=time.monotonic() + 30)[0]
        calls.clear()
        records = connector.fetch_records(person, ATTENDANCE, deadline=time.monotonic() + 30)
    finally:
        connector.close()
    assert [f.field for f in records.facts] == ["attendance"]
    assert sorted(set(calls)) == ["attendance", "attendance summary"]
    assert len(calls) == 2  # the summary and one page of low weeks, not the ~450 weeks in three pages
