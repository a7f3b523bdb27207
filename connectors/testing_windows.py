"""Contract checks for what a connector's windows promise besides their events (part of `ConnectorContract`).

A connector may declare that its windows carry restricted notices (`Connector.notices_on_windows`), and a
stream may declare that every event of its list is significant (`all_significant`). A view relies on both
to skip a request, so each declaration must hold; a connector that declares neither skips these checks.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectors.base import Connector
from connectors.models import ChronologyEvent, PersonRecord
from connectors.window import EventStream, EventWindow

FAR_DEADLINE_S = 10.0
MAX_WINDOWS = 500


class WindowPromisesContract:
    """Mixed into `ConnectorContract`, which supplies `make`, `source` and `_person`."""

    def _person(self, source: Any, connector: Connector) -> PersonRecord:  # pragma: no cover - overridden
        raise NotImplementedError

    def test_windows_carry_the_restricted_notices_they_declare(self, source: Any, make: Any) -> None:
        connector: Connector = make()
        person = self._person(source, connector)
        carried = connector.notices_on_windows(frozenset(connector.categories))
        if not carried:
            pytest.skip("this connector's windows carry no notices: a view asks for them on their own")
        deadline = time.monotonic() + FAR_DEADLINE_S
        streams = connector.event_streams(person, carried) or ()
        brought = {n for stream in streams for n in stream.fetch(EventWindow(limit=1), deadline=deadline).notices}
        assert brought == set(connector.restricted_notices(person, carried, deadline=deadline))

    def test_a_list_of_significant_events_answers_a_significant_window_whole(self, source: Any,
                                                                            make: Any) -> None:
        connector: Connector = make()
        person = self._person(source, connector)
        streams = [s for s in connector.event_streams(person, frozenset(connector.categories)) or ()
                   if getattr(s, "all_significant", False)]
        if not streams:
            pytest.skip("no list here says every event of it is significant")
        for stream in streams:
            significant = _ids(stream, significant_only=True)
            assert significant == _ids(stream, significant_only=False), stream.name


def _ids(stream: EventStream, *, significant_only: bool) -> list[tuple[str, bool]]:
    """Every event of the list, newest first, window by window (its id, and whether it is significant)."""
    events: list[ChronologyEvent] = []
    offset: int | None = 0
    for _ in range(MAX_WINDOWS):
        if offset is None:
            return [(e.source_record_id, e.significant) for e in events]
        answer = stream.fetch(EventWindow(offset=offset, limit=3, significant_only=significant_only),
                              deadline=time.monotonic() + FAR_DEADLINE_S)
        events += answer.events
        offset = answer.next_offset
    raise AssertionError(f"{stream.name} kept offering more windows than the {MAX_WINDOWS} a test reads")
