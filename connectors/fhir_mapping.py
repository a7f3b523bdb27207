"""Turn FHIR R4 resources into chronology events and key facts (pure functions, no I/O).

Written against real Synthea output as well as the sandbox: codings carry
`display`, SNOMED semantic tags like "(procedure)" are trimmed from titles, and
`meta.security` confidentiality labels are carried through unchanged.

Significance rules (a chronology is a summary of significant events, not a copy
of the record): emergency attendances, admissions, ongoing conditions, missed
appointments and alerts are significant; routine check-ups, immunisations and
short illnesses that have resolved are not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.models import LABEL_NORMAL, LABELS, NOPAT, NOPAT_SYSTEM, ChronologyEvent, DateCertainty, KeyFact

CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_SEMANTIC_TAG = re.compile(r"\s*\((procedure|disorder|finding|situation|regime/therapy|event)\)\s*$")
_EMERGENCY_CLASSES = {"EMER"}
_ADMISSION_CLASSES = {"IMP", "ACUTE", "NONAC", "OBSENC", "SS"}
_IGNORED_STATUSES = {"entered-in-error", "cancelled"}

Resource = dict[str, Any]


@dataclass(frozen=True)
class MappingContext:
    """Who the mapped items are from and whom they are about."""

    agency: str
    source_system: str
    subject_id: str


@dataclass
class Mapped:
    """Events and facts accumulated from a set of resources."""

    events: list[ChronologyEvent]
    facts: list[KeyFact]


def security_label(resource: Resource) -> str:
    """The most restrictive v3 Confidentiality code in `meta.security` that the portal acts on (default N)."""
    found = [
        s.get("code") for s in resource.get("meta", {}).get("security", [])
        if s.get("system") == CONFIDENTIALITY_SYSTEM and s.get("code") in LABELS
    ]
    return max(found, key=LABELS.index) if found else LABEL_NORMAL


def not_for_family(resource: Resource) -> bool:
    """True when `meta.security` carries HL7 v3 ActCode NOPAT (no disclosure to patient, family or caregivers)."""
    return any(s.get("system") == NOPAT_SYSTEM and s.get("code") == NOPAT
               for s in resource.get("meta", {}).get("security", []))


def parse_fhir_date(value: str | None) -> tuple[date, DateCertainty] | None:
    """A FHIR date/dateTime ('2015', '2015-04', '2015-04-04', '2015-04-04T11:09:14+00:00') with its precision."""
    if not value:
        return None
    try:
        if len(value) == 4:
            return date(int(value), 1, 1), DateCertainty.YEAR
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 1), DateCertainty.MONTH
        return date.fromisoformat(value[:10]), DateCertainty.EXACT
    except ValueError:
        return None


def concept_text(concept: dict[str, Any] | None) -> str:
    """Readable text of a CodeableConcept: its text, else the first display, else the first code."""
    if not concept:
        return ""
    text = concept.get("text")
    if not text:
        codings = concept.get("coding", [])
        text = next((c.get("display") for c in codings if c.get("display")), None)
        text = text or next((c.get("code") for c in codings if c.get("code")), "")
    return _SEMANTIC_TAG.sub("", str(text)).strip()


def refers_to(reference: dict[str, Any] | None, patient_id: str) -> bool:
    """True when a Reference points at this Patient (relative, absolute or bundle urn:uuid form)."""
    ref = (reference or {}).get("reference", "")
    return ref in (f"Patient/{patient_id}", f"urn:uuid:{patient_id}") or ref.endswith(f"/Patient/{patient_id}")


def belongs_to(resource: Resource, patient_id: str) -> bool:
    """Whether a clinical resource is about this patient; one with no subject at all is not trusted."""
    if resource.get("resourceType") == "Appointment":
        actors = [p.get("actor") for p in resource.get("participant", [])]
        return any(refers_to(a, patient_id) for a in actors)
    return refers_to(resource.get("subject") or resource.get("patient"), patient_id)


def _status(resource: Resource, key: str) -> str:
    value = resource.get(key)
    if isinstance(value, dict):  # clinicalStatus / verificationStatus are CodeableConcepts
        codings = value.get("coding", [])
        return str(codings[0].get("code", "")) if codings else ""
    return str(value or "")


def _event(ctx: MappingContext, resource: Resource, category: str, when: tuple[date, DateCertainty],
           **fields: Any) -> ChronologyEvent:
    return ChronologyEvent(
        agency=ctx.agency, source_system=ctx.source_system, source_record_id=str(resource.get("id", "")),
        event_date=when[0], date_certainty=when[1], category=category, security_label=security_label(resource),
        subject_source_id=ctx.subject_id, not_for_family=not_for_family(resource), **fields,
    )


def _fact(ctx: MappingContext, resource: Resource, category: str, field: str, value: str,
          as_of: str | None = None) -> KeyFact:
    parsed = parse_fhir_date(as_of)
    return KeyFact(
        field=field, value=value, agency=ctx.agency, source_system=ctx.source_system,
        as_of=datetime.combine(parsed[0], datetime.min.time()) if parsed else None, category=category,
        security_label=security_label(resource), source_record_id=str(resource.get("id", "")) or None,
        not_for_family=not_for_family(resource),
    )


def map_encounter(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    period = r.get("period", {})
    start = parse_fhir_date(period.get("start"))
    if start is None or r.get("status") in _IGNORED_STATUSES:
        return
    end = parse_fhir_date(period.get("end"))
    klass = r.get("class", {}).get("code", "")
    kind = concept_text((r.get("type") or [None])[0]) or "Attendance"
    emergency = klass in _EMERGENCY_CLASSES or "emergency" in kind.lower()
    admitted = klass in _ADMISSION_CLASSES or "admission" in kind.lower()
    reasons = ", ".join(filter(None, (concept_text(c) for c in r.get("reasonCode", []))))
    title = f"Emergency attendance: {kind}" if emergency and "emergency" not in kind.lower() else kind
    out.events.append(_event(
        ctx, r, "health_encounters", start, title=title, summary=f"Reason: {reasons}." if reasons else "",
        event_type="emergency" if emergency else "admission" if admitted else "appointment",
        end_date=end[0] if end and end[0] != start[0] else None, significant=emergency or admitted,
        shanarri=("healthy",),
    ))


def map_condition(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    if _status(r, "verificationStatus") in ("refuted", "entered-in-error"):
        return
    name = concept_text(r.get("code")) or "Condition"
    when = parse_fhir_date(r.get("onsetDateTime") or r.get("recordedDate"))
    ongoing = _status(r, "clinicalStatus") in ("active", "recurrence", "relapse", "") and not r.get("abatementDateTime")
    if when is not None:
        abated = parse_fhir_date(r.get("abatementDateTime"))
        out.events.append(_event(
            ctx, r, "health_conditions", when, title=f"Diagnosed: {name}",
            summary=f"Resolved {abated[0].isoformat()}." if abated else "", event_type="condition",
            significant=ongoing, shanarri=("healthy",),
        ))
    if ongoing:
        out.facts.append(_fact(ctx, r, "health_conditions", "conditions", name, r.get("recordedDate")))


def map_allergy(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    if _status(r, "clinicalStatus") in ("inactive", "resolved") or _status(r, "verificationStatus") in (
            "refuted", "entered-in-error"):
        return
    name = concept_text(r.get("code")) or "Allergy"
    criticality = r.get("criticality")
    value = f"{name} (criticality: {criticality})" if criticality and criticality != "unable-to-assess" else name
    out.facts.append(_fact(ctx, r, "health_alerts", "allergies", value, r.get("recordedDate")))


def map_immunization(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    when = parse_fhir_date(r.get("occurrenceDateTime"))
    if when is None or r.get("status") == "entered-in-error":
        return
    vaccine = concept_text(r.get("vaccineCode")) or "vaccine"
    not_done = r.get("status") == "not-done"
    out.events.append(_event(
        ctx, r, "immunisations", when, title=f"Immunisation not given: {vaccine}" if not_done
        else f"Immunisation: {vaccine}", event_type="immunisation", significant=not_done, shanarri=("healthy",),
    ))


def map_flag(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    if r.get("status") != "active":
        return
    out.facts.append(_fact(ctx, r, "health_alerts", "health_alerts", concept_text(r.get("code")) or "Alert",
                           r.get("period", {}).get("start")))


def map_appointment(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    when = parse_fhir_date(r.get("start"))
    if when is None:
        return
    what = r.get("description") or concept_text((r.get("serviceType") or [None])[0]) or "health appointment"
    if r.get("status") == "noshow":
        out.events.append(_event(
            ctx, r, "health_appointments", when, title="Was not brought to appointment", summary=f"{what}.",
            event_type="missed_appointment", significant=True, shanarri=("healthy", "nurtured"),
        ))
    elif r.get("status") in ("booked", "pending", "proposed") and when[0] >= date.today():
        out.facts.append(_fact(ctx, r, "health_appointments", "next_appointment",
                               f"{what} on {when[0].isoformat()}"))


def map_episode_of_care(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    kind = concept_text((r.get("type") or [None])[0]) or "Episode of care"
    start = parse_fhir_date(r.get("period", {}).get("start"))
    if start is not None:
        end = parse_fhir_date(r.get("period", {}).get("end"))
        out.events.append(_event(
            ctx, r, "health_plans", start, title=f"{kind} started", event_type="episode", significant=False,
            end_date=end[0] if end else None,
        ))
    manager = (r.get("careManager") or {}).get("display")
    if manager and r.get("status") in ("active", "waitlist", "onhold", None):
        lowered = kind.lower()
        field = "health_visitor" if "health visit" in lowered else "named_person" if "named person" in lowered \
            else "care_plans"
        out.facts.append(_fact(ctx, r, "health_plans", field, f"{manager} ({kind})", r.get("period", {}).get("start")))


def map_care_plan(ctx: MappingContext, r: Resource, out: Mapped) -> None:
    kind = ", ".join(filter(None, (concept_text(c) for c in r.get("category", [])))) or r.get("title") or "Care plan"
    start = parse_fhir_date(r.get("period", {}).get("start"))
    if start is not None:
        out.events.append(_event(ctx, r, "health_plans", start, title=f"Care plan: {kind}", event_type="plan",
                                 significant=False))
    if r.get("status") == "active":
        out.facts.append(_fact(ctx, r, "health_plans", "care_plans", kind, r.get("period", {}).get("start")))


def immunisation_summary(ctx: MappingContext, events: list[ChronologyEvent]) -> KeyFact | None:
    """One KIS line summarising the immunisations given, e.g. '33 recorded, most recent 2021-03-01 (Influenza)'."""
    given = [e for e in events if e.category == "immunisations" and not e.title.startswith("Immunisation not")]
    if not given:
        return None
    latest = max(given, key=lambda e: e.event_date)
    value = f"{len(given)} recorded, most recent {latest.event_date.isoformat()} ({latest.title.split(': ', 1)[-1]})"
    label = max((e.security_label for e in given), key=LABELS.index)
    return KeyFact(field="immunisations", value=value, agency=ctx.agency, source_system=ctx.source_system,
                   as_of=datetime.combine(latest.event_date, datetime.min.time()), category="immunisations",
                   security_label=label)


def map_patient_facts(ctx: MappingContext, patient: Resource) -> list[KeyFact]:
    """Demographics facts from the Patient: registered GP practice and current home address."""
    practices = [concept_text({"text": gp.get("display")}) for gp in patient.get("generalPractitioner", [])]
    facts = [_fact(ctx, patient, "demographics", "gp_practice", p) for p in practices if p]
    addresses = [a for a in patient.get("address", []) if a.get("use") in (None, "home") and not
                 (a.get("period") or {}).get("end")]
    if addresses:
        a = addresses[0]
        parts = [*a.get("line", []), a.get("city"), a.get("postalCode")]
        facts.append(_fact(ctx, patient, "demographics", "address", ", ".join(str(p) for p in parts if p)))
    return facts


MAPPERS: dict[str, Callable[[MappingContext, Resource, Mapped], None]] = {
    "Encounter": map_encounter,
    "Condition": map_condition,
    "AllergyIntolerance": map_allergy,
    "Immunization": map_immunization,
    "Flag": map_flag,
    "Appointment": map_appointment,
    "EpisodeOfCare": map_episode_of_care,
    "CarePlan": map_care_plan,
}
