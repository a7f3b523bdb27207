"""Load a FHIR R4 transaction bundle (e.g. a Synthea patient) into the health sandbox store.

The bundle's Patient gets the given CHI identifier, `urn:uuid:` references become
`Type/id` references (the server serves resources by id, not by bundle fullUrl), and
each resource is indexed by its patient and its clinical date. Loading again replaces
the same rows, so a re-load changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sandbox.servers.config import CHI_SYSTEM_OID, CHI_SYSTEM_URI, STORE_FILES
from sandbox.stores.records import open_store

# Where each resource type keeps the date the server sorts and filters on, first found wins.
DATE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Patient": (("birthDate",),),
    "Encounter": (("period", "start"),),
    "Condition": (("onsetDateTime",), ("onsetPeriod", "start"), ("recordedDate",)),
    "AllergyIntolerance": (("onsetDateTime",), ("recordedDate",)),
    "Immunization": (("occurrenceDateTime",), ("recorded",)),
    "Flag": (("period", "start"),),
    "EpisodeOfCare": (("period", "start"),),
    "CarePlan": (("period", "start"), ("created",)),
    "Appointment": (("start",), ("created",)),
    "Observation": (("effectiveDateTime",), ("effectivePeriod", "start"), ("issued",)),
    "Procedure": (("performedDateTime",), ("performedPeriod", "start")),
    "MedicationRequest": (("authoredOn",),),
    "DiagnosticReport": (("effectiveDateTime",), ("effectivePeriod", "start"), ("issued",)),
    "Claim": (("billablePeriod", "start"), ("created",)),
    "ExplanationOfBenefit": (("billablePeriod", "start"), ("created",)),
}
PATIENT_FIELDS = ("subject", "patient", "beneficiary")
CHI_SYSTEMS = (CHI_SYSTEM_URI, CHI_SYSTEM_OID)


class BundleError(ValueError):
    """The file is not a loadable patient bundle."""


def load_bundle(data_dir: Path, bundle_path: Path, chi: str, chi_system: str = CHI_SYSTEM_URI) -> str:
    """Load one patient's transaction bundle into `health.db` under `data_dir`; returns the Patient id.

    Raises BundleError if the bundle has no single Patient, and ValueError if the CHI
    already belongs to a different Patient in the store.
    """
    bundle = json.loads(Path(bundle_path).read_text(encoding="utf-8"))
    if bundle.get("resourceType") != "Bundle":
        raise BundleError("not a FHIR Bundle")
    resources, id_by_url = _resources_with_ids(bundle)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise BundleError(f"expected one Patient in the bundle, found {len(patients)}")
    patient = patients[0]
    for resource in resources:
        _rewrite_references(resource, id_by_url)
    _give_chi(patient, chi, chi_system)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    conn = open_store(Path(data_dir) / STORE_FILES["health"], create=True)
    try:
        _check_chi_free(conn, chi, patient["id"])
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO records (collection, id, subject_id, sort_date, sealed, json) "
                "VALUES (?, ?, ?, ?, 0, ?)",
                [_row(r, patient["id"]) for r in resources],
            )
    finally:
        conn.close()
    return str(patient["id"])


def _resources_with_ids(bundle: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    resources, id_by_url = [], {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource")
        if not isinstance(resource, dict) or "resourceType" not in resource:
            continue
        full_url = entry.get("fullUrl", "")
        # A resource without an id gets one derived from its fullUrl, so re-loading reuses it.
        resource.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_URL, full_url or json.dumps(resource))))
        if full_url:
            id_by_url[full_url] = f"{resource['resourceType']}/{resource['id']}"
        resources.append(resource)
    return resources, id_by_url


def _rewrite_references(node: Any, id_by_url: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str) and value in id_by_url:
                node[key] = id_by_url[value]
            else:
                _rewrite_references(value, id_by_url)
    elif isinstance(node, list):
        for item in node:
            _rewrite_references(item, id_by_url)


def _give_chi(patient: dict[str, Any], chi: str, chi_system: str) -> None:
    kept = [i for i in patient.get("identifier", []) if i.get("system") not in (*CHI_SYSTEMS, chi_system)]
    patient["identifier"] = [{"use": "official", "system": chi_system, "value": chi}, *kept]


def _check_chi_free(conn: sqlite3.Connection, chi: str, patient_id: str) -> None:
    owner = conn.execute(
        "SELECT id FROM records WHERE collection = 'Patient' AND id <> ? AND EXISTS (SELECT 1 FROM "
        "json_each(records.json, '$.identifier') i WHERE json_extract(i.value, '$.value') = ? "
        f"AND json_extract(i.value, '$.system') IN ({', '.join('?' * len(CHI_SYSTEMS))}))",
        (patient_id, chi, *CHI_SYSTEMS),
    ).fetchone()
    if owner is not None:
        raise ValueError("that CHI already belongs to another Patient in the health store")


def _row(resource: dict[str, Any], patient_id: str) -> tuple[str, str, str | None, str | None, str]:
    kind = resource["resourceType"]
    return (kind, resource["id"], _subject_of(resource, patient_id), sort_date(resource),
            json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _subject_of(resource: dict[str, Any], patient_id: str) -> str | None:
    if resource["resourceType"] == "Patient":
        return str(resource["id"])
    target = f"Patient/{patient_id}"
    refs = [resource.get(f, {}).get("reference") for f in PATIENT_FIELDS if isinstance(resource.get(f), dict)]
    refs += [p.get("actor", {}).get("reference") for p in resource.get("participant", []) if isinstance(p, dict)]
    return patient_id if target in refs else None


def sort_date(resource: dict[str, Any]) -> str | None:
    """The clinical date of a resource (ISO string) that `date=` searches and `_sort=date` use."""
    for path in DATE_PATHS.get(resource["resourceType"], ()):
        value: Any = resource
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            return value
    return None
