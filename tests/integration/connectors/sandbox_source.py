"""ContractSources backed by real sandbox processes (sandbox/launcher.py), faults through the admin API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest
import requests

from connectors.base import CallTiming
from connectors.models import PersonQuery, PersonRecord
from connectors.registry import build_connector
from sandbox.launcher import API_PATHS, SandboxHandle
from tests.integration.connectors.fake_agency import closed_port_url
from tests.integration.connectors.sources import demo_table, sql_config

ADMIN_KEY = "connectors-test-admin-key"
SANDBOX_ENV = {
    "SANDBOX_ADMIN_KEY": ADMIN_KEY,
    "SANDBOX_HEALTH_TOKEN": "connectors-test-health-token",
    "SANDBOX_EDUCATION_API_KEY": "connectors-test-education-key",
    "SANDBOX_POLICE_CLIENT_ID": "connectors-test-client",
    "SANDBOX_POLICE_CLIENT_SECRET": "connectors-test-secret",
    "SANDBOX_SCRA_API_KEY": "connectors-test-scra-key",
}
SMALL_PAGE = 10  # so the contract's reads span several pages of the sandbox's answers
# None: read from the person record the search already sent (connectors.testing).
MARKERS: dict[str, dict[str, str | None]] = {
    "health": {"health_alerts": "/AllergyIntolerance", "health_conditions": "/Condition",
               "immunisations": "/Immunization", "health_encounters": "/Encounter",
               "health_appointments": "/Appointment", "health_plans": "/EpisodeOfCare", "demographics": None},
    "education": {"attendance": "/attendance", "exclusions": "/exclusions", "pastoral_notes": "/notes"},
    "police": {"police_concerns": "/concerns", "police_cp_flag": None},
    "scra": {"scra_referrals": "/referrals", "scra_hearings": "/hearings", "scra_orders": "/orders"},
    "social_work": {"sw_allocation": "allocations", "cp_register": "cp_registrations",
                    "looked_after": "looked_after_spells", "childs_plan": "childs_plans",
                    "sw_events": "significant_events", "sw_case_notes": "case_notes", "family_contacts": "contacts"},
}
FAULT_MODES = {"malformed": "malformed_json", "error503_once": None}


class SandboxSource:
    """One agency of a running sandbox, as the contract suite sees it."""

    supports_paging = True
    supports_retry = False  # the sandbox's 503 does not clear itself after one answer
    supports_server_errors = True

    def __init__(self, handle: SandboxHandle, agency: str, known_person: PersonQuery) -> None:
        self.handle, self.agency, self.known_person = handle, agency, known_person
        self.category_markers = MARKERS[agency]
        self.required_keys = ("base_url", "read_timeout", "auth")
        self._bad_credentials = False

    def config(self, **limits: Any) -> dict[str, Any]:
        self._bad_credentials = bool(limits.get("bad_credentials"))
        config = demo_table(self.agency)
        path = API_PATHS[self.agency]
        config["base_url"] = closed_port_url(path) if limits.get("unreachable") else self.handle.urls[self.agency]
        if self.agency == "police":
            config["auth"]["token_url"] = self.handle.urls["police"].removesuffix("/api") + "/oauth/token"
        config["page_size"] = limits.get("page_size", SMALL_PAGE)
        config["max_retries"] = 1
        config["max_pages"] = 100  # years of weekly attendance at small pages
        for limit, key in (("read_timeout", "read_timeout"), ("response_cap", "max_response_bytes"),
                           ("max_pages", "max_pages")):
            if limit in limits:
                config[key] = limits[limit]
        return config

    def env(self) -> Mapping[str, str]:
        if not self._bad_credentials:
            return SANDBOX_ENV
        return {k: (v + "-wrong" if "ADMIN" not in k and "CLIENT_ID" not in k else v) for k, v in SANDBOX_ENV.items()}

    def inject(self, fault: str, **kwargs: Any) -> None:
        mode = FAULT_MODES.get(fault, fault)
        if mode is None:
            pytest.skip(f"the sandbox has no {fault} fault")
        self._post_fault(mode, **kwargs)

    def _post_fault(self, mode: str, **kwargs: Any) -> None:
        body = {"mode": mode, **kwargs}
        if mode == "hang":
            body["hang_seconds"] = 5  # bounded, so the sandbox's worker threads come back
        _admin(self.handle, self.agency, "POST", "/_sandbox/faults", json=body)

    def clear(self) -> None:
        _admin(self.handle, self.agency, "DELETE", "/_sandbox/faults")
        _admin(self.handle, self.agency, "DELETE", "/_sandbox/requests")

    def requests(self) -> list[str]:
        entries = _admin(self.handle, self.agency, "GET", "/_sandbox/requests")["requests"]
        return [e["path"] + ("?" + e["query"] if e.get("query") else "") for e in entries]

    def expected_record_count(self, person: PersonRecord) -> int:
        # What one big page per list gives: reading in small pages must add up to the same.
        connector = build_connector(self.agency, self.config(page_size=200), self.env())
        try:
            records = connector.fetch_records(person, connector.categories, deadline=time.monotonic() + 10)
        finally:
            connector.close()
        return len(records.events) + len(records.facts)


class SandboxSqlSource(SandboxSource):
    """The social work SQLite store of a running sandbox; statement names form the request log."""

    supports_paging = False
    supports_server_errors = False

    def __init__(self, handle: SandboxHandle, known_person: PersonQuery) -> None:
        super().__init__(handle, "social_work", known_person)
        self.required_keys = ("url", "people")
        self.log: list[str] = []

    def on_call(self, timing: CallTiming) -> None:
        self.log.append(timing.endpoint)

    def config(self, **limits: Any) -> dict[str, Any]:
        url = self.handle.urls["social_work"]
        if limits.get("unreachable"):
            url = url.replace("socialwork.db", "missing/socialwork.db")
        return sql_config("social_work", url, limits)

    def env(self) -> Mapping[str, str]:
        return {}

    def inject(self, fault: str, **kwargs: Any) -> None:
        if fault not in ("hang", "latency", "malformed", "wrong_child", "refuse"):
            pytest.skip(f"the social work sandbox has no {fault} fault")
        self._post_fault(fault, **kwargs)

    def clear(self) -> None:
        _admin(self.handle, self.agency, "DELETE", "/_sandbox/faults")
        self.log.clear()

    def requests(self) -> list[str]:
        return list(self.log)


def _admin(handle: SandboxHandle, agency: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.request(method, handle.admin_urls[agency] + path, headers={"X-Sandbox-Admin": ADMIN_KEY},
                                timeout=15, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()
