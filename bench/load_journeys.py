"""Practitioners' journeys for the load harness (locust users): sign in, search with a purpose,
open the record, filter, page, print. Imported only by `bench.load_driver`, in its own process,
because importing locust patches the standard library for gevent.

Counts are kept here (one gevent thread, so no locks): every content response that carried
the child's record, per (user, child), to set against the audit trail afterwards.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import gevent
import gevent.event
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token"[^>]*content="([^"]+)"')
OPEN_RECORD = re.compile(r'<a[^>]+href="(/children/[^"/?]+)"[^>]*>\s*Open record')
PURPOSE = "child_protection"
PRINT_EVERY = 4  # journeys per printout: printing is rarer than reading
RECORDS_KEPT = 3  # content-only mode: records each practitioner keeps open and re-reads


@dataclass
class Plan:
    """What the driver was asked to run (from the orchestrator, on stdin)."""

    password: str = ""
    mode: str = "journey"  # "journey": search, open, filter, page, print; "content": re-read open records
    usernames: list[str] = field(default_factory=list)
    children: list[tuple[str, str]] = field(default_factory=list)  # (chi, a name the record shows)
    first_pause: Callable[[], float] = lambda: 0.0  # seconds a user waits, once the window opens, before its first view


@dataclass
class Tally:
    """What the users saw, for the table."""

    errors: Counter[str] = field(default_factory=Counter)
    shown: Counter[tuple[str, str]] = field(default_factory=Counter)  # (username, chi) -> content responses
    content_ms: list[float] = field(default_factory=list)
    content_at: list[float] = field(default_factory=list)  # monotonic times of shown content, for gaps
    requests: Counter[str] = field(default_factory=Counter)
    signed_in: int = 0
    sign_in_failed: int = 0
    measuring_from: float = 0.0
    measuring_until: float = 0.0


PLAN = Plan()
TALLY = Tally()
GO = gevent.event.Event()  # every user signed in: the measured window starts
STOP = gevent.event.Event()  # the window is over: users finish the request in hand and leave
_next_user = iter(range(1_000_000))


def error_kind(status: int, error: BaseException | None) -> str | None:
    """One label per kind of failure; None for a proper answer."""
    if error is not None and status == 0:
        return type(error).__name__
    if status == 503:
        return "503 backpressure"
    if status >= 500:
        return f"{status} server error"
    if status == 429:
        return "429 rate limited"
    if status >= 400:
        return f"{status}"
    return None


class Practitioner(FastHttpUser):
    wait_time = constant(0)  # no think time: the harness measures capacity
    network_timeout = 60.0
    connection_timeout = 10.0
    concurrency = 1  # one connection, used in turn: never idle long enough for the server to close it

    def on_start(self) -> None:
        index = next(_next_user)
        self.username = PLAN.usernames[index % len(PLAN.usernames)]
        # Each practitioner walks the cohort from a different place, so views spread over children.
        self.cursor = (index * 7) % len(PLAN.children)
        self.journeys = 0
        self.records: list[tuple[str, str, str]] = []  # (record path, chi, name)
        self._location = ""  # the last redirect's target
        if not self._sign_in():
            TALLY.sign_in_failed += 1
            raise StopUser()
        if PLAN.mode == "content":
            self._open_records()
        TALLY.signed_in += 1
        GO.wait(timeout=300)
        gevent.sleep(PLAN.first_pause())

    def _open_records(self) -> None:
        """Content-only mode: find and open the records to re-read before the measured window, so the window
        holds content views alone (on a busy machine 32 practitioners' searches took the whole window)."""
        for _ in range(RECORDS_KEPT * 2):  # bounded: a search that finds no child is tried on the next one
            if len(self.records) >= RECORDS_KEPT:
                return
            chi, name = PLAN.children[self.cursor % len(PLAN.children)]
            self.cursor += 1
            record = self._find(chi)
            if record is not None:
                status, _ = self._get(record, "record shell")
                if status == 200:
                    self.records.append((record, chi, name))

    def _get(self, path: str, name: str) -> tuple[int, str]:
        if STOP.is_set():
            raise StopUser()
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            return self._settle(response, name)

    def _post(self, path: str, name: str, data: dict[str, str]) -> tuple[int, str]:
        if STOP.is_set():
            raise StopUser()
        with self.client.post(path, name=name, data=data, allow_redirects=False, catch_response=True) as response:
            return self._settle(response, name)

    def _settle(self, response, name: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        status = int(response.status_code or 0)
        TALLY.requests[name] += 1
        self._location = (response.headers or {}).get("Location", "") if 300 <= status < 400 else ""
        kind = error_kind(status, getattr(response, "error", None))
        if kind is None:
            response.success()
        else:
            if status == 0:
                gevent.sleep(0.1)  # the portal is not answering: do not spin on it
            if GO.is_set():
                TALLY.errors[kind] += 1
            response.failure(kind)
        return status, response.text or ""

    def _csrf(self, page: str) -> str:
        match = CSRF.search(page)
        return (match.group(1) or match.group(2)) if match else ""

    def _sign_in(self) -> bool:
        for _ in range(3):  # a loaded machine may time out a sign-in; bounded retries
            _, page = self._get("/sign-in", "sign-in form")
            status, _ = self._post("/sign-in", "sign-in", {"username": self.username, "password": PLAN.password,
                                                          "csrf_token": self._csrf(page)})
            if status == 302:
                return True
        return False

    @task
    def journey(self) -> None:
        if PLAN.mode == "content" and len(self.records) >= RECORDS_KEPT:
            record, chi, name = self.records[self.journeys % RECORDS_KEPT]
            self.journeys += 1
            self._content(record + "/content", chi, name)
            return
        chi, name = PLAN.children[self.cursor % len(PLAN.children)]
        self.cursor += 1
        self.journeys += 1
        record = self._find(chi)
        if record is None:
            return
        self._get(record, "record shell")
        if PLAN.mode == "content":
            self.records.append((record, chi, name))
            return
        self._content(record + "/content", chi, name)
        self._get(record + "/chronology?agency=health&agency=social_work", "filter")
        self._get(record + "/chronology?page=2", "page")
        if self.journeys % PRINT_EVERY == 0:
            self._get(record + "/print", "print")

    def _find(self, chi: str) -> str | None:
        """Search by CHI with a purpose; the "Open record" path."""
        _, form = self._get("/children/search", "search form")
        status, results = self._post("/children/search", "search", {"chi": chi, "purpose": PURPOSE,
                                                                    "csrf_token": self._csrf(form)})
        if status == 303:  # Post/Redirect/Get: the results page asks the agencies
            status, results = self._get(self._location, "results")
        link = OPEN_RECORD.search(results)
        if status == 200 and link is None:
            # "No child found" when no agency answered the search in time; otherwise a result with no link
            kind = "search found no child" if "No child found" in results else "search without a record link"
            TALLY.errors[kind] += 1
        return link.group(1) if status == 200 and link else None

    def _content(self, path: str, chi: str, name: str) -> None:
        started = time.monotonic()
        status, body = self._get(path, "content")
        elapsed_ms = (time.monotonic() - started) * 1000
        if status != 200:
            if 300 <= status < 400:  # e.g. sent back to sign in: no record, and not a proper answer either
                TALLY.errors[f"content answered {status}"] += 1
            return
        if name not in body:
            TALLY.errors["content without the record"] += 1
            return
        TALLY.shown[(self.username, chi)] += 1
        now = time.monotonic()
        TALLY.content_at.append(now)
        if TALLY.measuring_from <= now <= (TALLY.measuring_until or now):
            TALLY.content_ms.append(elapsed_ms)
