"""A temporary SQLite social work database (sandbox/API.md schema) and its ContractSource."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.base import CallTiming
from connectors.models import PersonQuery, PersonRecord
from sandbox.servers.faults import FaultSpec
from sandbox.servers.sql_faults import SqliteFaults
from sandbox.stores.socialwork import create_sqlite
from tests.integration.connectors.sources import sql_config


def _event(event_id: str, person_id: str, day: str, title: str, *, sealed: int = 0, label: str = "N",
           significant: int = 1) -> dict[str, Any]:
    return {"event_id": event_id, "person_id": person_id, "event_date": day, "date_certainty": "exact",
            "sequence": 0, "title": title, "summary": "Summary of the event.", "shanarri": "safe,nurtured",
            "action": "Strategy meeting held", "impact": "negative", "author_role": "Social worker",
            "significant": significant, "security_label": label, "sealed": sealed}


ROWS: dict[str, list[dict[str, Any]]] = {
    "people": [
        {"person_id": "p-1", "chi": "1503741206", "forename": "Ailsa", "surname": "Fakename",
         "previous_surname": "Oldname", "birth_date": "2016-03-15", "sex": "F", "postcode": "EH1 1AA",
         "address": "1 Test Street", "security_label": "N"},
        {"person_id": "p-2", "chi": None, "forename": "Bryony", "surname": "Othername", "previous_surname": None,
         "birth_date": "2015-01-02", "sex": "F", "postcode": "EH2 2BB", "address": "2 Test Street",
         "security_label": "N"},
    ],
    "allocations": [
        {"allocation_id": "a-1", "person_id": "p-1", "worker_name": "Sam Worker", "worker_role": "Social worker",
         "team": "North team", "start_date": "2025-01-10", "end_date": None, "is_lead_professional": 1},
    ],
    "referrals": [
        {"referral_id": "r-1", "person_id": "p-1", "referral_date": "2024-11-01", "source": "police",
         "reason": "Domestic abuse concern", "outcome": "Assessment", "security_label": "N"},
    ],
    "cp_registrations": [
        {"registration_id": "cp-1", "person_id": "p-1", "registered_date": "2025-01-20", "deregistered_date": None,
         "cppm_date": "2025-01-18", "next_review_date": "2025-07-20"},
    ],
    "cp_concerns": [
        {"registration_id": "cp-1", "area_of_concern": "Domestic abuse"},
        {"registration_id": "cp-1", "area_of_concern": "Neglect"},
    ],
    "looked_after_spells": [
        {"spell_id": "la-1", "person_id": "p-1", "start_date": "2025-03-01", "end_date": None,
         "setting": "at_home", "legal_basis": "CSO", "placement_type": "home"},
    ],
    "childs_plans": [
        {"plan_id": "cpl-1", "person_id": "p-1", "plan_type": "multi_agency", "lead_professional": "Sam Worker",
         "status": "active", "next_review_date": "2025-09-01"},
    ],
    "significant_events": [
        _event("se-1", "p-1", "2025-01-05", "Disclosure at school"),
        _event("se-2", "p-1", "2025-01-18", "Case conference", label="R"),
        _event("se-3", "p-1", "2025-02-01", "Sealed event", sealed=1),
        _event("se-4", "p-1", "2025-02-11", "Home visit", significant=0),
        _event("se-5", "p-2", "2025-02-12", "Other child's event"),
    ],
    "case_notes": [
        {"note_id": "cn-1", "person_id": "p-1", "note_date": "2025-02-02", "summary": "Visit; child well.",
         "author_role": "Social worker", "security_label": "N", "sealed": 0},
    ],
    "contacts": [
        {"contact_id": "c-1", "person_id": "p-1", "name": "Mum Fakename", "relationship": "mother",
         "parental_responsibility": 1, "do_not_inform": 0, "security_label": "N"},
        {"contact_id": "c-2", "person_id": "p-1", "name": "Dad Fakename", "relationship": "father",
         "parental_responsibility": 0, "do_not_inform": 1, "security_label": "R"},
    ],
}


class SqlSource:
    """The demo config's social work table pointed at a temporary SQLite file; faults through locks and updates."""

    agency = "social_work"
    known_person = PersonQuery(chi="1503741206")
    category_markers = {
        "sw_allocation": "allocations", "cp_register": "cp_registrations", "looked_after": "looked_after_spells",
        "childs_plan": "childs_plans", "sw_events": "significant_events", "sw_case_notes": "case_notes",
        "family_contacts": "contacts",
    }
    required_keys = ("url", "people")
    supports_paging = False
    supports_retry = False
    supports_server_errors = False

    def __init__(self, path: Path) -> None:
        self.path = path
        create_sqlite(path, ROWS)
        self.faults = SqliteFaults(path)
        self.log: list[str] = []
        self._lock_stop: threading.Event | None = None
        self._lock_thread: threading.Thread | None = None

    def on_call(self, timing: CallTiming) -> None:
        self.log.append(timing.endpoint)

    def config(self, **limits: Any) -> dict[str, Any]:
        missing = self.path.with_name("no-such-dir") / "missing.db"
        return sql_config(self.agency, f"sqlite:///{missing if limits.get('unreachable') else self.path}", limits)

    def env(self) -> Mapping[str, str]:
        return {}

    def inject(self, fault: str, **kwargs: Any) -> None:
        if fault in ("hang", "latency"):
            self._hold_exclusive_lock(kwargs.get("latency_ms", 30_000) / 1000)
        elif fault in ("wrong_child", "refuse"):
            # The sandbox's own fault: mis-filed rows that keep their subject, or the file renamed away.
            self.faults.apply(FaultSpec(mode=fault))
        elif fault == "malformed":
            with sqlite3.connect(self.path) as conn:
                conn.execute("UPDATE significant_events SET event_date = '31/02/2025' WHERE event_id = 'se-1'")
        else:
            pytest.skip(f"no SQL equivalent of {fault}")

    def clear(self) -> None:
        if self._lock_stop is not None and self._lock_thread is not None:
            self._lock_stop.set()
            self._lock_thread.join()
            self._lock_stop = self._lock_thread = None
        self.faults.clear()
        with sqlite3.connect(self.path) as conn:
            conn.execute("UPDATE significant_events SET event_date = '2025-01-05' WHERE event_id = 'se-1'")
        self.log.clear()

    def requests(self) -> list[str]:
        return list(self.log)

    def expected_record_count(self, person: PersonRecord) -> int:  # pragma: no cover - no paging to check
        raise NotImplementedError

    def _hold_exclusive_lock(self, seconds: float) -> None:
        # A writer holding an exclusive lock is what makes a real SQLite reader wait.
        ready, stop = threading.Event(), threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            ready.set()
            stop.wait(seconds)
            conn.execute("ROLLBACK")
            conn.close()

        self._lock_stop, self._lock_thread = stop, threading.Thread(target=hold, daemon=True)
        self._lock_thread.start()
        ready.wait(5)


KNOWN_BIRTH_DATE = date(2016, 3, 15)
