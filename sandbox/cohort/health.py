"""FHIR R4 resources for the health board sandbox.

Each method adds one resource to the store. Coded values use the HL7 terminology
code systems where the value set is small and fixed (encounter class, clinical
status, flag category); clinical content is carried as text, so nothing here
pretends to be a real SNOMED CT code.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.cohort.model import Child
from sandbox.cohort.places import HEALTH_BOARD, TOWNS
from sandbox.stores.records import StoreRecord

CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
LABEL_DISPLAY = {"N": "normal", "R": "restricted", "V": "very restricted"}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ENCOUNTER_CLASSES = {
    "ae": ("EMER", "emergency", "Emergency department attendance"),
    "admission": ("IMP", "inpatient encounter", "Hospital admission"),
    "gp": ("AMB", "ambulatory", "GP consultation"),
    "hv": ("HH", "home health", "Health visitor home visit"),
    "camhs": ("AMB", "ambulatory", "CAMHS appointment"),
    "nurse": ("AMB", "ambulatory", "School nurse contact"),
}
EPISODE_TYPES = {"hv": "Health visiting", "camhs": "Child and Adolescent Mental Health Services",
                 "school_nurse": "School nursing"}


class HealthRecords:
    """Collects FHIR resources for the health store, numbering ids per resource type."""

    def __init__(self) -> None:
        self.records: list[StoreRecord] = []
        self._counters: dict[str, int] = {}
        self._add_organisations()

    def patient(self, child: Child) -> str:
        """Create (once) the child's Patient and return its id."""
        if "health" in child.ids:
            return child.ids["health"]
        patient_id = self._next_id("Patient", "pat")
        child.ids["health"] = patient_id
        forename, surname = child.name_in("health")
        household = child.household
        addresses: list[dict[str, Any]] = [{
            "use": "home", "line": [household.address], "city": household.town.name,
            "postalCode": household.postcode, "country": "GB",
        }]
        if household.previous_postcode:
            addresses.append({"use": "old", "postalCode": household.previous_postcode, "country": "GB",
                              "period": {"end": (household.anchor or child.birth_date).isoformat()}})
        resource: dict[str, Any] = {
            "resourceType": "Patient", "id": patient_id, "meta": _meta("N"), "active": True,
            "identifier": [{"system": CHI_SYSTEM, "value": child.chi}],
            "name": [{"use": "official", "family": surname, "given": [forename]}],
            "gender": child.sex, "birthDate": child.birth_date.isoformat(), "address": addresses,
            "generalPractitioner": [{"reference": f"Organization/{household.town.gp_code}",
                                     "display": household.town.gp_practice}],
            "contact": [
                {"relationship": [{"text": parent.relationship}],
                 "name": {"family": parent.surname, "given": [parent.forename]}}
                for parent in household.parents if parent.parental_responsibility
            ],
        }
        self._add("Patient", patient_id, None, child.birth_date, resource)
        return patient_id

    def encounter(self, child: Child, when: date, kind: str, reason: str, label: str = "N",
                  hour: int = 10) -> str:
        """An attendance or contact; `kind` is one of ENCOUNTER_CLASSES."""
        code, display, type_text = ENCOUNTER_CLASSES[kind]
        start = f"{when.isoformat()}T{hour:02d}:{(hour * 7) % 60:02d}:00Z"
        end = f"{when.isoformat()}T{min(hour + 2, 23):02d}:{(hour * 7) % 60:02d}:00Z"
        return self._resource(child, "Encounter", "enc", when, label, {
            "status": "finished", "class": {"system": ACT_CODE, "code": code, "display": display},
            "type": [{"text": type_text}], "subject": self._subject(child),
            "period": {"start": start, "end": end}, "reasonCode": [{"text": reason}],
            "serviceProvider": {"display": _provider(child, kind)},
        })

    def condition(self, child: Child, onset: date, text: str, label: str = "N", active: bool = True,
                  nopat: bool = False) -> str:
        """A problem-list condition; `nopat` marks it not for disclosure to the patient or family."""
        status = "active" if active else "resolved"
        return self._resource(child, "Condition", "cond", onset, label, nopat=nopat, body={
            "clinicalStatus": _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", status),
            "verificationStatus": _coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
            "category": [_coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")],
            "code": {"text": text}, "subject": self._subject(child),
            "onsetDateTime": onset.isoformat(), "recordedDate": onset.isoformat(),
        })

    def allergy(self, child: Child, recorded: date, substance: str, reaction: str, critical: bool) -> str:
        """An allergy or adverse reaction (an ECS/KIS item)."""
        return self._resource(child, "AllergyIntolerance", "alg", recorded, "N", {
            "clinicalStatus": _coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active"),
            "verificationStatus": _coding(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed"),
            "type": "allergy", "category": ["food" if "nut" in substance or "egg" in substance else "medication"],
            "criticality": "high" if critical else "low", "code": {"text": substance},
            "patient": self._subject(child), "recordedDate": recorded.isoformat(),
            "reaction": [{"manifestation": [{"text": reaction}]}],
        })

    def immunization(self, child: Child, when: date, vaccine: str) -> str:
        """A completed childhood immunisation."""
        return self._resource(child, "Immunization", "imm", when, "N", {
            "status": "completed", "vaccineCode": {"text": vaccine}, "patient": self._subject(child),
            "occurrenceDateTime": when.isoformat(), "primarySource": True,
        })

    def flag(self, child: Child, start: date, text: str, label: str = "N", category: str = "safety") -> str:
        """An alert on the record, e.g. a child protection or protected-address flag."""
        return self._resource(child, "Flag", "flag", start, label, {
            "status": "active", "category": [_coding("http://terminology.hl7.org/CodeSystem/flag-category", category)],
            "code": {"text": text}, "subject": self._subject(child), "period": {"start": start.isoformat()},
        })

    def episode(self, child: Child, start: date, kind: str, manager: str, end: date | None = None) -> str:
        """An EpisodeOfCare (health visiting, CAMHS, school nursing) with its care manager."""
        period = {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})}
        return self._resource(child, "EpisodeOfCare", "eoc", start, "R" if kind == "camhs" else "N", {
            "status": "finished" if end else "active", "type": [{"text": EPISODE_TYPES[kind]}],
            "patient": self._subject(child), "period": period, "careManager": {"display": manager},
            "managingOrganization": {"display": HEALTH_BOARD},
        })

    def care_plan(self, child: Child, start: date, title: str, label: str = "N") -> str:
        """A care plan (e.g. a health plan contributing to the child's plan)."""
        return self._resource(child, "CarePlan", "cp", start, label, {
            "status": "active", "intent": "plan", "title": title, "subject": self._subject(child),
            "period": {"start": start.isoformat()}, "created": start.isoformat(),
        })

    def appointment(self, child: Child, when: date, service: str, status: str, note: str = "") -> str:
        """An appointment; status "noshow" is how a child not brought to it is recorded."""
        patient_ref = self._subject(child)
        body: dict[str, Any] = {
            "status": status, "serviceType": [{"text": service}], "description": service,
            "start": f"{when.isoformat()}T09:30:00Z", "end": f"{when.isoformat()}T10:00:00Z",
            "participant": [{"actor": patient_ref, "status": "declined" if status == "noshow" else "accepted"}],
        }
        if status == "noshow":
            body["comment"] = note or "Was not brought to the appointment."
        elif note:
            body["comment"] = note
        return self._resource(child, "Appointment", "appt", when, "N", body)

    # -- internals -----------------------------------------------------------------

    def _resource(self, child: Child, kind: str, prefix: str, when: date, label: str, body: dict[str, Any], *,
                  nopat: bool = False) -> str:
        resource_id = self._next_id(kind, prefix)
        resource = {"resourceType": kind, "id": resource_id, "meta": _meta(label, nopat), **body}
        self._add(kind, resource_id, self.patient(child), when, resource)
        return resource_id

    def _subject(self, child: Child) -> dict[str, str]:
        return {"reference": f"Patient/{self.patient(child)}"}

    def _next_id(self, kind: str, prefix: str) -> str:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return f"{prefix}-{self._counters[kind]:06d}"

    def _add(self, kind: str, resource_id: str, subject: str | None, when: date, resource: dict[str, Any]) -> None:
        self.records.append(StoreRecord(kind, resource_id, subject, when.isoformat(), resource))

    def _add_organisations(self) -> None:
        for town in TOWNS:
            resource = {"resourceType": "Organization", "id": town.gp_code, "meta": _meta("N"), "active": True,
                        "type": [{"text": "GP practice"}], "name": town.gp_practice,
                        "address": [{"city": town.name, "country": "GB"}]}
            self.records.append(StoreRecord("Organization", town.gp_code, None, None, resource))


def _meta(label: str, nopat: bool = False) -> dict[str, Any]:
    security = [{"system": CONFIDENTIALITY, "code": label, "display": LABEL_DISPLAY[label]}]
    if nopat:  # HL7 v3 ActCode: no disclosure to patient, family or caregivers without the clinician's say-so
        security.append({"system": ACT_CODE, "code": "NOPAT",
                         "display": "no disclosure to patient, family or caregivers without attending provider's "
                                    "authorization"})
    return {"security": security}


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _provider(child: Child, kind: str) -> str:
    if kind in ("ae", "admission"):
        return "Glenmorven Royal Infirmary"
    if kind == "gp":
        return child.household.town.gp_practice
    return HEALTH_BOARD
