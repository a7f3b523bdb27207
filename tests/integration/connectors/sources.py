"""ContractSource implementations: the demo config's agency tables pointed at fake agencies on loopback."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.fhir_mapping import MAPPERS, Mapped, MappingContext, belongs_to, immunisation_summary, map_patient_facts
from connectors.models import PersonQuery, PersonRecord
from connectors.registry import with_defaults
from tests.integration.connectors.fake_agency import FakeAgency, closed_port_url
from tests.integration.connectors.fake_fhir import FhirAgency
from tests.integration.connectors.fake_rest import (
    CONCERNS,
    EDUCATION_ITEMS,
    PUPILS,
    SUBJECTS,
    EducationAgency,
    PoliceAgency,
)

DEMO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "connectors.toml"


def demo_table(agency: str) -> dict[str, Any]:
    """One agency's table from config/connectors.toml, with the file's [defaults] merged in."""
    document = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    return copy.deepcopy(with_defaults(document["agencies"][agency], document.get("defaults", {})))


def sql_config(agency: str, url: str, limits: Mapping[str, Any]) -> dict[str, Any]:
    """The demo SQL table for `agency` pointed at `url`, with the contract's limits as the SQL connector names them."""
    if limits.get("bad_credentials"):
        pytest.skip("a SQLite file has no credentials")
    config = demo_table(agency)
    config["url"] = url
    if "read_timeout" in limits:
        config["statement_timeout"] = limits["read_timeout"]
    if "response_cap" in limits:
        config["max_rows"] = limits["response_cap"]
    return config


class FakeHttpSource:
    """Shared fault and log plumbing for sources backed by a FakeAgency."""

    supports_paging = True
    supports_retry = True
    supports_server_errors = True
    page_size = 2  # small, so the fake's lists span several pages
    agency: str
    fake: FakeAgency
    base_path: str

    def base_config(self, **limits: Any) -> dict[str, Any]:
        config = demo_table(self.agency)
        config["base_url"] = closed_port_url(self.base_path) if limits.get("unreachable") else \
            self.fake.origin + self.base_path
        config["max_retries"] = 1
        config["page_size"] = limits.get("page_size", self.page_size)
        # These stand-in servers cannot sort or seek (they page by `page`, ignore `_sort`): declare it, as an
        # agency's configuration would, so their events are read whole.
        for collection in config.get("collections", []):
            collection.pop("window", None)
            collection.pop("summary", None)  # nor sum a percentage list: the whole list gives the fact
        if config.get("kind") == "fhir":
            config["window_types"] = []
            config["batch_reads"] = False  # nor serve a FHIR batch
        for limit, key in (("read_timeout", "read_timeout"), ("response_cap", "max_response_bytes"),
                           ("max_pages", "max_pages")):
            if limit in limits:
                config[key] = limits[limit]
        return config

    def inject(self, fault: str, **kwargs: Any) -> None:
        self.fake.set_fault(fault, **kwargs)

    def clear(self) -> None:
        self.fake.clear()

    def requests(self) -> list[str]:
        return list(self.fake.log)


class EducationSource(FakeHttpSource):
    agency = "education"
    base_path = "/api/v1"
    known_person = PersonQuery(chi="1503741206")
    category_markers = {"attendance": "/attendance", "exclusions": "/exclusions", "pastoral_notes": "/notes"}
    required_keys = ("base_url", "read_timeout", "connect_timeout", "people")

    def __init__(self, fake: EducationAgency) -> None:
        self.fake = fake
        self._bad_credentials = False

    def config(self, **limits: Any) -> dict[str, Any]:
        self._bad_credentials = bool(limits.get("bad_credentials"))
        return self.base_config(**limits)

    def env(self) -> Mapping[str, str]:
        return {"SANDBOX_EDUCATION_API_KEY": "wrong-key" if self._bad_credentials else self.fake.api_key}

    def expected_record_count(self, person: PersonRecord) -> int:
        items = EDUCATION_ITEMS[person.source_id]
        pupil = next(p for p in PUPILS if p["pupil_id"] == person.source_id)
        low_weeks = [w for w in items["attendance"] if w["attended_openings"] / w["possible_openings"] < 0.8]
        notes = [n for n in items["notes"] if not n["sealed"]]
        person_facts = 2 + (1 if pupil["asn"]["has_asn"] else 0)  # school, named person, ASN
        return len(items["exclusions"]) + len(notes) + len(low_weeks) + 1 + person_facts  # +1 attendance pattern


class PoliceSource(FakeHttpSource):
    agency = "police"
    base_path = "/api"
    known_person = PersonQuery(surname="Fakename", forename="Ailsa", birth_date=date(2016, 3, 15))
    category_markers = {"police_concerns": "/concerns", "police_cp_flag": None}  # the flag comes with the person
    required_keys = ("base_url", "read_timeout", "auth")

    def __init__(self, fake: PoliceAgency) -> None:
        self.fake = fake
        self._secret = fake.client_secret

    def config(self, **limits: Any) -> dict[str, Any]:
        self._secret = "wrong-secret" if limits.get("bad_credentials") else self.fake.client_secret
        config = self.base_config(**limits)
        config["auth"]["token_url"] = self.fake.origin + "/oauth/token"
        return config

    def env(self) -> Mapping[str, str]:
        return {"SANDBOX_POLICE_CLIENT_ID": self.fake.client_id, "SANDBOX_POLICE_CLIENT_SECRET": self._secret}

    def expected_record_count(self, person: PersonRecord) -> int:
        subject = next(s for s in SUBJECTS if s["subject_id"] == person.source_id)
        return len(CONCERNS[person.source_id]) + (1 if subject["cp_flag"] else 0)


class HealthSource(FakeHttpSource):
    agency = "health"
    page_size = 100  # the fake FHIR server caps pages at 10 itself
    base_path = "/fhir"
    category_markers = {
        "health_alerts": "/AllergyIntolerance", "health_conditions": "/Condition", "immunisations": "/Immunization",
        "health_encounters": "/Encounter", "health_appointments": "/Appointment", "health_plans": "/EpisodeOfCare",
        "demographics": None,  # from the Patient the search already sent (connectors.testing)
    }
    required_keys = ("base_url", "read_timeout", "auth")

    def __init__(self, fake: FhirAgency, known_chi: str) -> None:
        self.fake = fake
        self.known_person = PersonQuery(chi=known_chi)
        self._bad_credentials = False

    def config(self, **limits: Any) -> dict[str, Any]:
        self._bad_credentials = bool(limits.get("bad_credentials"))
        return self.base_config(**limits)

    def env(self) -> Mapping[str, str]:
        return {"SANDBOX_HEALTH_TOKEN": "wrong-token" if self._bad_credentials else self.fake.token}

    def expected_record_count(self, person: PersonRecord) -> int:
        # Map the person's resources straight from memory: what paging over HTTP must reproduce exactly.
        ctx = MappingContext("health", "test", person.source_id)
        out = Mapped(events=[], facts=[])
        for resource in self.fake.resources:
            if resource["resourceType"] in MAPPERS and belongs_to(resource, person.source_id):
                MAPPERS[resource["resourceType"]](ctx, resource, out)
            if resource["resourceType"] == "Patient" and resource["id"] == person.source_id:
                out.facts.extend(map_patient_facts(ctx, resource))
        summary = immunisation_summary(ctx, out.events)
        return len(out.events) + len(out.facts) + (1 if summary else 0)
