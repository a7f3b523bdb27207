"""First windows of several REST lists in one request, where the agency offers it (`windows_together`).

A view reads page 1 of every windowed list at once, each list with the same window. An agency that can
answer those windows together (`GET <path>?list=referrals&list=hearings&sort=…`, each list's answer under
its name, as its own request would have given it) saves a request per list after the first: less CPU on
both sides, the per-request cost being most of what a small list's read costs.

The first of a view's streams to ask for its first window asks for every sibling list whose own request
would carry the same parameters; the siblings, asking at the same time or later, take their answer (once).
Anything else (a later window, a list whose parameters differ, a second ask of the same window) is asked
alone, as without the capability, so the answers are the same either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connectors.base import remaining
from connectors.errors import ConnectorError, MalformedResponseError, TimedOutError
from connectors.window import EventWindow

if TYPE_CHECKING:
    from connectors.rest import CollectionSpec, RestConnector

Params = dict[str, str]
_Key = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class WindowsTogether:
    """Where the agency answers several lists' windows at once: `path`, the `param` naming a list, the answer's
    `field` holding each list's answer by name."""

    path: str
    param: str = "list"
    field: str = "lists"


class FirstWindows:
    """One view's windowed lists of one person at one agency: their first windows, asked for together."""

    def __init__(self, connector: RestConnector, together: WindowsTogether, person_id: str,
                 specs: Sequence[CollectionSpec], params_of: Callable[[CollectionSpec, EventWindow], Params]) -> None:
        self._connector, self._together, self._specs, self._params_of = connector, together, specs, params_of
        self._path = together.path.replace("{id}", quote(person_id, safe=""))
        self._lock = threading.Lock()
        self._answers: dict[_Key, Mapping[str, Any] | ConnectorError] = {}
        self._asked: set[_Key] = set()

    def answer(self, spec: CollectionSpec, window: EventWindow, params: Params, *,
               deadline: float) -> Mapping[str, Any] | None:
        """This list's answer to `params` from a request made together with its siblings, or None: ask alone."""
        if window.offset != 0:
            return None
        key = _key(spec.name, params)
        # Held while the request runs: a sibling asking meanwhile waits for its answer instead of asking again.
        if not self._lock.acquire(timeout=max(0.0, remaining(deadline))):
            raise TimedOutError(f"{self._connector.display_name} did not answer within the time allowed")
        try:
            if key in self._answers:
                found = self._answers.pop(key)
                if isinstance(found, ConnectorError):
                    raise type(found)(found.reason)
                return found
            if key in self._asked:
                return None
            names = [s.name for s in self._specs
                     if self._params_of(s, window) == params and _key(s.name, params) not in self._asked]
            if len(names) < 2:
                return None
            self._asked.update(_key(name, params) for name in names)
            try:
                answers = self._ask(names, params, deadline)
            except ConnectorError as error:
                self._answers.update((_key(name, params), error) for name in names if name != spec.name)
                raise
            self._answers.update((_key(name, params), answers[name]) for name in names if name != spec.name)
            return answers[spec.name]
        finally:
            self._lock.release()

    def _ask(self, names: list[str], params: Params, deadline: float) -> dict[str, Mapping[str, Any]]:
        together = self._together
        body = self._connector.get_json(self._path, {**params, together.param: names}, deadline=deadline,
                                        endpoint="+".join(names))
        lists = body.get(together.field) if isinstance(body, dict) else None
        if not isinstance(lists, dict) or not all(isinstance(lists.get(name), dict) for name in names):
            raise MalformedResponseError(f"{self._connector.display_name} sent an answer without the expected lists")
        return {name: lists[name] for name in names}


def _key(name: str, params: Mapping[str, str]) -> _Key:
    return name, tuple(sorted(params.items()))
