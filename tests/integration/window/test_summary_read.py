"""A long health history's appointments: only those that become events or facts are asked for.

The 5,000-event child has hundreds of attended appointments, which map to nothing (a missed appointment is an
event, a booked one the "next appointment" fact). The summary read of the first view used to page through all of
them; the search now names the statuses that map, and a window asks for missed appointments alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
import requests

from connectors.base import Connector
from connectors.fhir_mapping import Mapped, MappingContext, map_appointment
from connectors.models import PersonQuery, PersonRecord
from connectors.registry import Registry
from connectors.window import EventWindow
from portal.record.summarise import SUMMARY_CATEGORIES
from tests.support.sandbox import RunningSandbox

DEADLINE_S = 20.0


@pytest.fixture
def health(sandbox: RunningSandbox, registry: Registry) -> Iterator[tuple[Connector, PersonRecord]]:
    connector = next(c for c in registry.connectors if c.agency == "health")
    chi = sandbox.child("large")["chi"]
    person = next(p for p in connector.find_people(PersonQuery(chi=chi), deadline=time.monotonic() + DEADLINE_S)
                  if p.chi == chi)
    yield connector, person


def _asked(sandbox: RunningSandbox, patient_id: str) -> list[tuple[str, dict[str, list[str]]]]:
    """The health reads about this patient since the log was cleared: (path, query)."""
    entries = requests.get(f"{sandbox.admin_urls['health']}/_sandbox/requests",
                           headers={"X-Sandbox-Admin": sandbox.admin_key}, timeout=5).json()["requests"]
    return [(e["path"], parse_qs(e["query"])) for e in entries
            if parse_qs(e["query"]).get("patient") == [patient_id] and e["method"] == "GET"]


def _clear(sandbox: RunningSandbox) -> None:
    requests.delete(f"{sandbox.admin_urls['health']}/_sandbox/requests",
                    headers={"X-Sandbox-Admin": sandbox.admin_key}, timeout=5)


def test_a_record_read_asks_only_for_appointments_that_map_and_gives_what_all_of_them_give(
        sandbox: RunningSandbox, health: tuple[Connector, PersonRecord]) -> None:
    connector, person = health
    every = connector._search("Appointment", {"patient": person.source_id, "_count": "200"},  # type: ignore[attr-defined]
                              deadline=time.monotonic() + DEADLINE_S)
    ctx = MappingContext(connector.agency, connector.source_system, person.source_id)
    expected = Mapped(events=[], facts=[])
    for resource in every:
        map_appointment(ctx, resource, expected)
    _clear(sandbox)
    read = connector.fetch_records(person, SUMMARY_CATEGORIES & connector.categories,
                                   deadline=time.monotonic() + DEADLINE_S)
    asked = [query for path, query in _asked(sandbox, person.source_id) if path == "/fhir/Appointment"]
    assert len(every) > 200  # a long history: more than one page of attended appointments, once read whole
    assert [e for e in read.events if e.category == "health_appointments"] == expected.events
    assert [f for f in read.facts if f.category == "health_appointments"] == expected.facts
    assert "next_appointment" in [f.field for f in expected.facts]
    assert len(asked) == 1  # one page: no next links followed through the history
    assert asked[0]["status"] == ["noshow,booked,pending,proposed"]


def test_the_appointment_window_asks_for_missed_appointments_and_gives_every_one(
        sandbox: RunningSandbox, health: tuple[Connector, PersonRecord]) -> None:
    connector, person = health
    whole = connector.fetch_records(person, frozenset({"health_appointments"}),
                                    deadline=time.monotonic() + DEADLINE_S).events
    streams = connector.event_streams(person, frozenset({"health_appointments"}))
    assert streams is not None and len(streams) == 1
    _clear(sandbox)
    read, offset, sent = [], 0, 0
    while offset is not None:
        answer = streams[0].fetch(EventWindow(newest_first=False, offset=offset, limit=50),
                                  deadline=time.monotonic() + DEADLINE_S)
        read += answer.events
        sent += answer.items_sent
        offset = answer.next_offset
    asked = _asked(sandbox, person.source_id)
    assert sorted(read, key=lambda e: e.source_record_id) == sorted(whole, key=lambda e: e.source_record_id)
    assert sent == len(whole)  # only missed appointments were sent, not the hundreds attended
    assert asked and all(query["status"] == ["noshow"] for _, query in asked)
