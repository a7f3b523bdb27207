"""A fake FHIR R4 server serving real Synthea bundles (plus a few UK-flavoured resources) on loopback."""

from __future__ import annotations

import json
from typing import Any

from portal.demo import SYNTHEA_DIR
from tests.integration.connectors.fake_agency import FakeAgency, Reply, Request

CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"
CHI_OID = "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53"
MAX_COUNT = 10  # the server's own page cap, below what the connector asks for, so paging is exercised
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
SEARCHABLE = ("Encounter", "Condition", "AllergyIntolerance", "Immunization", "Flag", "EpisodeOfCare", "CarePlan",
              "Appointment")


def synthea_bundle(name_prefix: str) -> dict[str, Any]:
    """One Synthea transaction bundle by the patient's file-name prefix, e.g. 'Daisey_Johns'."""
    path = next(SYNTHEA_DIR.glob(f"{name_prefix}_*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def load_patient(bundle: dict[str, Any], chi: str, chi_system: str = CHI_SYSTEM) -> tuple[str, list[dict[str, Any]]]:
    """The bundle's resources with urn:uuid references rewritten to Type/id and a CHI added to the Patient."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    by_urn = {entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
              for entry in bundle["entry"] if entry.get("fullUrl")}
    text = json.dumps(resources)
    for urn, ref in by_urn.items():
        text = text.replace(f'"{urn}"', f'"{ref}"')
    resources = json.loads(text)
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    patient["identifier"] = [{"system": chi_system, "value": chi}, *patient.get("identifier", [])]
    return patient["id"], resources


def uk_extras(patient_id: str) -> list[dict[str, Any]]:
    """Resources Synthea does not make: a restricted alert, a missed appointment, a health visiting episode, a GP."""
    ref = {"reference": f"Patient/{patient_id}"}
    return [
        {"resourceType": "Flag", "id": f"flag-{patient_id[:8]}", "status": "active", "subject": ref,
         "code": {"text": "Child protection concern: see social work"}, "period": {"start": "2024-02-01"},
         "meta": {"security": [{"system": CONFIDENTIALITY, "code": "R"}]}},
        {"resourceType": "Appointment", "id": f"appt-{patient_id[:8]}", "status": "noshow",
         "start": "2024-03-05T10:00:00Z", "description": "Paediatric outpatient review",
         "participant": [{"actor": ref, "status": "accepted"}]},
        {"resourceType": "EpisodeOfCare", "id": f"eoc-{patient_id[:8]}", "status": "active", "patient": ref,
         "type": [{"text": "Health visiting"}], "period": {"start": "2015-04-20"},
         "careManager": {"display": "Morag Health-Visitor"}},
    ]


class FhirAgency(FakeAgency):
    """Patients and their resources, searchable the way sandbox/API.md describes, behind a bearer token."""

    def __init__(self, token: str, patients: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.token = token
        self.resources = [r for rs in patients.values() for r in rs]

    def authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def route(self, request: Request) -> Reply:
        resource_type = request.path.removeprefix("/fhir/").strip("/")
        if resource_type == "Patient":
            return self._bundle(request, self._patients(request.query))
        if resource_type in SEARCHABLE and "patient" in request.query:
            patient_id = request.query["patient"].removeprefix("Patient/")
            if self.fault == "wrong_child":
                patient_id = next(r["id"] for r in self.resources
                                  if r["resourceType"] == "Patient" and r["id"] != patient_id)
            return self._bundle(request, [r for r in self.resources if r["resourceType"] == resource_type
                                          and _about(r, patient_id)])
        return Reply(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]})

    def _patients(self, query: dict[str, str]) -> list[dict[str, Any]]:
        patients = [r for r in self.resources if r["resourceType"] == "Patient"]
        if "_id" in query:
            return [p for p in patients if p["id"] == query["_id"]]
        if "identifier" in query:
            system, _, value = query["identifier"].partition("|")
            return [p for p in patients if any(i.get("system") in (system, CHI_SYSTEM, CHI_OID) and
                                                i.get("value") == value for i in p.get("identifier", []))
                    and system in (CHI_SYSTEM, CHI_OID)]
        return [p for p in patients if p.get("birthDate") == query.get("birthdate") and any(
            n.get("family", "").lower() == query.get("family", "").lower() for n in p.get("name", []))]

    def _bundle(self, request: Request, matches: list[dict[str, Any]]) -> Reply:
        count = min(int(request.query.get("_count", MAX_COUNT)), MAX_COUNT)
        offset = int(request.query.get("_getpagesoffset", 0))
        links = [{"relation": "self", "url": self.origin + request.path}]
        if offset + count < len(matches) or self.fault == "page_forever":
            query = {**request.query, "_count": str(count), "_getpagesoffset": str(offset + count)}
            links.append({"relation": "next", "url": self.origin + request.path + "?" +
                          "&".join(f"{k}={v}" for k, v in query.items())})
        entries = [{"fullUrl": f"{self.origin}/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                    "search": {"mode": "match"}} for r in matches[offset: offset + count]]
        return Reply(200, {"resourceType": "Bundle", "type": "searchset", "total": len(matches), "link": links,
                           "entry": entries})


def _about(resource: dict[str, Any], patient_id: str) -> bool:
    target = f"Patient/{patient_id}"
    if resource["resourceType"] == "Appointment":
        return any((p.get("actor") or {}).get("reference") == target for p in resource.get("participant", []))
    return (resource.get("subject") or resource.get("patient") or {}).get("reference") == target
