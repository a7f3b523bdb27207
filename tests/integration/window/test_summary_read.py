"""The summary read of a long health history asks only for what the KIS needs, and the windows give the rest.

The 5,000-event child has hundreds of past appointments: the next-appointment fact needs only the booked ones
from today on, and only missed appointments become events. So the summary read asks for the former alone (its
answer names `health_appointments` in `facts_only`), and the appointment window asks for missed ones only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
import requests

from connectors.base import Connector
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


def test_the_summary_read_asks_only_for_current_appointments_and_gives_the_same_facts(
        sandbox: RunningSandbox, health: tuple[Connector, PersonRecord]) -> None:
    connector, person = health
    categories = SUMMARY_CATEGORIES & connector.categories
    whole = connector.fetch_records(person, categories, deadline=time.monotonic() + DEADLINE_S)
    _clear(sandbox)
    summary = connector.summary_records(person, categories, deadline=time.monotonic() + DEADLINE_S)
    asked = _asked(sandbox, person.source_id)
    past = [e for e in whole.events if e.category == "health_appointments"]
    assert len(past) > 50  # a long history of missed appointments, read whole before
    assert "next_appointment" in [f.field for f in summary.facts]
    assert summary.facts == whole.facts
    assert summary.facts_only == frozenset({"health_appointments"})
    assert summary.events == tuple(e for e in whole.events if e.category != "health_appointments")
    appointments = [query for path, query in asked if path == "/fhir/Appointment"]
    assert len(appointments) == 1  # one page: no next links followed through the history
    assert appointments[0]["status"] == ["booked,pending,proposed"]
    assert appointments[0]["date"][0].startswith("ge")


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
