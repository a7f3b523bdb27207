"""The summary's event-derived facts read from the first view's own first windows, where those fit.

The facts (`portal.record.event_facts`) read each of their lists newest first from its start. When the page
is read newest first with no date or significance filter, its first window of each list is exactly that start
(and larger than the facts ask for): the facts take it from the page instead of asking the agency again. An
ordinary child's facts then cost no request at all. A list whose first window did not reach far enough back
(a long history) is continued from where that window stopped, as soon as the agency's first windows are in,
on the pool: never after the whole page, so a long history gains no round trip either.

Otherwise (another order, a date or significance filter, an agency the page does not read), the facts are
read on their own, alongside the page, as `FactRead.read` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future

from connectors.models import KeyFact
from connectors.window import EventSlice, EventStream, EventWindow
from portal.record.event_facts import FactRead

StreamsFor = Callable[[FactRead], Sequence[EventStream]]


def page_start_fits(window: EventWindow, all_significant: bool = False) -> bool:
    """Whether a page window asks for a list's newest-first start, unfiltered (what every fact read begins with):
    a significant-only window does when every event of the list is significant."""
    unfiltered = EventWindow(newest_first=True, limit=window.limit, significant_only=window.significant_only and
                             all_significant)
    return window.offset == 0 and window == unfiltered


class KeptStart:
    """A page stream that keeps its first answer, when that is the list's newest-first start, for the facts."""

    def __init__(self, stream: EventStream) -> None:
        self._stream = stream
        self.name, self.pushed_down = stream.name, stream.pushed_down
        self.all_significant: bool = getattr(stream, "all_significant", False)
        self.start: EventSlice | None = None
        self._lock = threading.Lock()
        self._waiting: list[_Gate] = []

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        answer = self._stream.fetch(window, deadline=deadline)
        if page_start_fits(window, self.all_significant):
            gates: list[_Gate] = []
            with self._lock:
                if self.start is None:  # the page asks for a list's start once; keep the first answer only
                    self.start, gates, self._waiting = answer, self._waiting, []
            for gate in gates:
                gate.arrived()
        return answer

    def when_started(self, gate: _Gate) -> None:
        with self._lock:
            started = self.start is not None
            if not started:
                self._waiting.append(gate)
        if started:
            gate.arrived()


class _FromStart:
    """What a fact read sees of a kept stream: its start from the page's answer, anything further from the agency."""

    def __init__(self, kept: KeptStart) -> None:
        self._kept = kept
        self.name, self.pushed_down = kept.name, kept.pushed_down

    def fetch(self, window: EventWindow, *, deadline: float) -> EventSlice:
        if window.offset == 0 and self._kept.start is not None:
            return self._kept.start  # newest first from the start, with more events than the fact read asks for
        return self._kept.fetch(window, deadline=deadline)


class _Gate:
    """Starts a fact read on the pool once every one of its lists' first windows has come back."""

    def __init__(self, count: int, start: Callable[[], None]) -> None:
        self._left, self._start, self._lock = count, start, threading.Lock()

    def arrived(self) -> None:
        with self._lock:
            self._left -= 1
            open_now = self._left == 0
        if open_now:
            self._start()


def facts_from_page(read: FactRead, kept: Sequence[KeptStart], executor: Executor) -> Future[list[KeyFact]]:
    """The read's facts, worked out on the pool from `kept` (its lists among the page's streams, in the order
    its own streams would come) as soon as each has its first answer."""
    result: Future[list[KeyFact]] = Future()

    def work() -> None:
        try:
            result.set_result(read.facts([_FromStart(k) for k in kept]))
        except BaseException as error:  # handed to whoever waits for the facts
            result.set_exception(error)

    def start() -> None:
        executor.submit(work)  # never refused: it runs inside the view's admitted calls

    if not kept:
        start()
    gate = _Gate(len(kept), start)
    for stream in kept:
        stream.when_started(gate)
    return result


def matching_lists(kept: Sequence[KeptStart], own: Sequence[EventStream]) -> list[KeptStart] | None:
    """The page's kept streams that are the fact read's own lists, in their order (None: they do not line up)."""
    names = {stream.name for stream in own}
    chosen = [k for k in kept if k.name in names]
    return chosen if [k.name for k in chosen] == [s.name for s in own] else None
