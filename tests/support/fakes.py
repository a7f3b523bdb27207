"""Stand-in agencies for the federation: the unit tests' fake connector, also timed by bench/gather.py."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from connectors.models import PersonQuery, PersonRecord, SourceRecords


@dataclass(eq=False)
class FakeConnector:
    """An in-memory agency: people it knows, records per person id, and optional misbehaviour."""

    agency: str
    people: list[PersonRecord] = field(default_factory=list)
    records: dict[str, SourceRecords] = field(default_factory=dict)
    categories: frozenset[str] = frozenset({"a", "b"})
    delay_s: float = 0.0
    fetch_delay_s: float = 0.0
    release: threading.Event | None = None  # when set, find_people blocks until released (a hung agency)
    release_limit_s: float = 30.0  # a hung agency gives up waiting after this, so an abandoned thread ends
    error: Exception | None = None
    honest: bool = False  # True: look people up as asked (by CHI, or by surname and birth date); False: return all
    calls: list[tuple[str, object]] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return self.agency

    @property
    def display_name(self) -> str:
        return self.agency.replace("_", " ").capitalize()

    @property
    def source_system(self) -> str:
        return f"{self.agency} system"

    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        self.calls.append(("find_people", query))
        if self.release is not None:
            self.release.wait(timeout=self.release_limit_s)
        time.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        if not self.honest:
            return list(self.people)
        if query.chi:
            return [p for p in self.people if p.chi == query.chi]
        # Like the agencies' own lookups: exact, but not case-sensitive.
        surname = (query.surname or "").casefold()
        return [p for p in self.people if (p.surname or "").casefold() == surname and p.birth_date == query.birth_date]

    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        self.calls.append(("fetch_records", (person.source_id, categories)))
        time.sleep(self.fetch_delay_s)
        return self.records.get(person.source_id, SourceRecords())
