"""Map trail entries to FHIR R4 AuditEvent resources shaped like IHE BALP.

Patient-record events follow BALP's "with Patient" patterns: a user agent with
`requestor=true`, role, altId, name and purposeOfUse; a client agent (DCM 110153)
with the network address; a server agent (DCM 110152); an observer; the patient
entity (type 1, role 1) identified by CHI; and one entity per agency queried,
carrying the security labels of what was shown. Break-glass is a Security Alert
(DCM 110113) with Emergency Override Started / Stopped (110127 / 110138).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from portal.audit.canonical import format_instant
from portal.audit.entry import RecordedEntry
from portal.audit.models import EventType

DCM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
DEFAULT_CHI_SYSTEM = "https://fhir.nhs.uk/Id/chi-number"
LOCAL = "urn:scv"  # the portal's own code systems and identifier namespaces
PORTAL_NAME = "Single-child view portal"
ENTRY_NAMESPACE = uuid.UUID("6f1c3a52-29c8-4c1e-9d0a-7c2f0d6b5e11")  # stable fullUrls from entry hashes

PATIENT_RECORD = (DCM, "110110", "Patient Record")
SECURITY_ALERT = (DCM, "110113", "Security Alert")
USER_AUTHENTICATION = (DCM, "110114", "User Authentication")
AUDIT_LOG_USED = (DCM, "110101", "Audit Log Used")
EXPORT = (DCM, "110106", "Export")
READ = (RESTFUL_INTERACTION, "read", "read")
SEARCH = (RESTFUL_INTERACTION, "search-type", "search type")

# event type -> (type, subtypes, action)
EVENT_SHAPES: dict[EventType, tuple[tuple[str, str, str], tuple[tuple[str, str, str], ...], str]] = {
    EventType.SEARCH: (PATIENT_RECORD, (SEARCH,), "E"),
    EventType.VIEW_CHILD: (PATIENT_RECORD, (READ,), "R"),
    EventType.CHRONOLOGY_PAGE: (PATIENT_RECORD, (READ,), "R"),
    EventType.VIEW_TIMELINE: (PATIENT_RECORD, (READ,), "R"),
    EventType.PRINT: (EXPORT, (READ,), "R"),
    EventType.REFUSED: (PATIENT_RECORD, (READ,), "R"),
    EventType.IDENTITY_CONFIRM: (PATIENT_RECORD, (), "E"),
    EventType.IDENTITY_REJECT: (PATIENT_RECORD, (), "E"),
    EventType.BREAK_GLASS_START: (SECURITY_ALERT, ((DCM, "110127", "Emergency Override Started"),), "E"),
    EventType.BREAK_GLASS_END: (SECURITY_ALERT, ((DCM, "110138", "Emergency Override Stopped"),), "E"),
    EventType.BREAK_GLASS_REVIEW: (SECURITY_ALERT, (), "E"),
    EventType.SIGN_IN: (USER_AUTHENTICATION, ((DCM, "110122", "Login"),), "E"),
    EventType.SIGN_IN_FAILED: (USER_AUTHENTICATION, ((DCM, "110122", "Login"),), "E"),
    EventType.SIGN_OUT: (USER_AUTHENTICATION, ((DCM, "110123", "Logout"),), "E"),
    EventType.AUDIT_READ: (AUDIT_LOG_USED, (), "R"),
    EventType.AUDIT_EXPORT: (AUDIT_LOG_USED, (), "R"),
    EventType.RELATIONSHIP_CHANGE: (SECURITY_ALERT, ((DCM, "110136", "Security Roles Changed"),), "U"),
    EventType.MEETING_START: (PATIENT_RECORD, (READ,), "E"),
    EventType.MEETING_PRESENCE: (PATIENT_RECORD, (), "E"),
    EventType.MEETING_REVEAL: (PATIENT_RECORD, (READ,), "R"),
    EventType.MEETING_END: (PATIENT_RECORD, (), "E"),
    EventType.ACCOUNT_CHANGE: (SECURITY_ALERT, ((DCM, "110137", "User Security Attributes Changed"),), "U"),
    EventType.SESSIONS_ENDED: (USER_AUTHENTICATION, ((DCM, "110123", "Logout"),), "E"),
}


def _coding(system_code_display: tuple[str, str, str]) -> dict[str, str]:
    system, code, display = system_code_display
    return {"system": system, "code": code, "display": display}


def _detail(kind: str, value: object) -> dict[str, str]:
    return {"type": kind, "valueString": str(value)}


def _purpose(entry: RecordedEntry) -> list[dict[str, Any]]:
    codings = []
    if entry.purpose_of_use:
        codings.append({"system": ACT_REASON, "code": entry.purpose_of_use})
    if entry.purpose_code:
        codings.append({"system": f"{LOCAL}:purpose", "code": entry.purpose_code})
    return [{"coding": codings}] if codings else []


def _agents(entry: RecordedEntry) -> list[dict[str, Any]]:
    user: dict[str, Any] = {
        "type": {"coding": [{"system": PARTICIPATION_TYPE, "code": "IRCP", "display": "information recipient"}]},
        "who": {"display": entry.user_display_name or entry.user_id or "unknown user"},
        "requestor": True,
    }
    if entry.user_id:
        user["who"]["identifier"] = {"system": f"{LOCAL}:user", "value": entry.user_id}
        user["altId"] = entry.user_id
    if entry.user_display_name:
        user["name"] = entry.user_display_name
    if entry.user_role:
        user["role"] = [{"coding": [{"system": f"{LOCAL}:role", "code": entry.user_role}], "text": entry.user_role}]
    if entry.agreements:
        user["policy"] = [f"{LOCAL}:agreement:{quote(agreement, safe='')}" for agreement in entry.agreements]
    if purpose := _purpose(entry):
        user["purposeOfUse"] = purpose
    agents = [user]
    if entry.organisation:
        agents.append(
            {
                "type": {"text": "organisation"},
                "who": {"type": "Organization", "display": entry.organisation},
                "name": entry.team or entry.organisation,
                "requestor": False,
            }
        )
    client: dict[str, Any] = {
        "type": {"coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]},
        "who": {"display": entry.user_agent or "browser"},
        "requestor": False,
    }
    if entry.client_address:
        client["network"] = {"address": entry.client_address, "type": "2"}
    server = {
        "type": {"coding": [{"system": DCM, "code": "110152", "display": "Destination Role ID"}]},
        "who": {"display": PORTAL_NAME},
        "requestor": False,
    }
    return agents + [client, server]


def _patient_entity(entry: RecordedEntry, chi_system: str) -> dict[str, Any] | None:
    if entry.subject_chi:
        identifier = {"system": chi_system, "value": entry.subject_chi}
    elif entry.subject_identifiers:
        first = entry.subject_identifiers[0]
        identifier = {"system": f"{LOCAL}:identifier:{first['agency']}:{first['kind']}", "value": first["value"]}
    else:
        return None
    details = []
    if entry.relationship_basis:
        details.append(_detail("relationship-basis", entry.relationship_basis))
    if entry.break_glass_reason:
        details.append(_detail("break-glass-reason", entry.break_glass_reason))
    patient: dict[str, Any] = {
        "what": {"type": "Patient", "identifier": identifier},
        "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
        "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
    }
    if details:
        patient["detail"] = details
    return patient


def _source_entity(source: dict[str, Any]) -> dict[str, Any]:
    details = [
        _detail("status", source.get("status", "")),
        _detail("item-count", source.get("item_count", 0)),
        _detail("elapsed-ms", source.get("elapsed_ms", 0)),
    ]
    for kind, key in (("record-ids", "record_ids"), ("withheld-categories", "withheld_categories")):
        if source.get(key):
            details.append(_detail(kind, ",".join(source[key])))
    entity: dict[str, Any] = {
        "what": {"identifier": {"system": f"{LOCAL}:agency", "value": source["agency"]}, "display": source["agency"]},
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
        "name": source["agency"],
        "detail": details,
    }
    if source.get("security_labels"):
        entity["securityLabel"] = [{"system": CONFIDENTIALITY, "code": label} for label in source["security_labels"]]
    return entity


def _related_entity(entry: RecordedEntry) -> dict[str, Any]:
    details = [_detail(key, value) for key, value in sorted((entry.details or {}).items())]
    related: dict[str, Any] = {
        "what": {"identifier": {"system": f"{LOCAL}:audit-entry", "value": str(entry.related_sequence)}},
        "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE, "code": "13", "display": "Security Resource"},
    }
    if details:
        related["detail"] = details
    return related


def audit_event(
    entry: RecordedEntry, *, chi_system: str = DEFAULT_CHI_SYSTEM, site: str | None = None
) -> dict[str, Any]:
    """One entry as an R4 AuditEvent resource (a plain dict, ready for json.dumps)."""
    known = entry.event_type in EventType._value2member_map_
    shape = EVENT_SHAPES.get(EventType(entry.event_type)) if known else None
    event_type, subtypes, action = shape or (PATIENT_RECORD, (), "E")
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"scv-audit-{entry.sequence}",
        "type": _coding(event_type),
        "action": action,
        "recorded": format_instant(entry.recorded_at),
        "outcome": str(entry.outcome),
        "agent": _agents(entry),
        "source": {
            "observer": {"display": PORTAL_NAME},
            "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
        },
    }
    if subtypes:
        resource["subtype"] = [_coding(subtype) for subtype in subtypes]
    if entry.outcome_text:
        resource["outcomeDesc"] = entry.outcome_text
    if purpose := _purpose(entry):
        resource["purposeOfEvent"] = purpose
    if site:
        resource["source"]["site"] = site
    entities = [entity for entity in [_patient_entity(entry, chi_system)] if entity]
    entities += [_source_entity(source) for source in entry.sources or []]
    if entry.related_sequence is not None:
        entities.append(_related_entity(entry))
    if entities:
        resource["entity"] = entities
    return resource


def audit_bundle(
    entries: Iterable[RecordedEntry], *, chi_system: str = DEFAULT_CHI_SYSTEM, site: str | None = None
) -> dict[str, Any]:
    """A FHIR R4 Bundle (type collection) of AuditEvents, one per entry, in trail order."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": format_instant(datetime.now(UTC)),
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(ENTRY_NAMESPACE, entry.entry_hash)}",
                "resource": audit_event(entry, chi_system=chi_system, site=site),
            }
            for entry in entries
        ],
    }
