"""Scenario tags read off the generated records, so a tag is true of the data, not just intended."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.model import Child
from sandbox.stores.records import StoreRecord

# What each scenario tag in cohort.json promises about the child's records.
SCENARIO_TAGS: dict[str, str] = {
    "multi_agency": "rich story across several agencies (domestic abuse, neglect, mental health, offending, "
                    "looked after)",
    "twins": "twin: same date of birth, surname and address as a sibling; different CHI",
    "namesake": "same forename, surname and date of birth as another child elsewhere; different CHI and postcode",
    "name_variant": "name spelt differently by some agency (Mackenzie/McKenzie, Katie/Kate, hyphenated surname, "
                    "or a change of surname with previous_surname in social work)",
    "no_chi_police": "has a police record that carries no CHI",
    "no_chi_education": "has a pupil record that carries no CHI",
    "moved_council": "moved from another council area; older records hold the previous postcode",
    "restricted": "has at least one item labelled R",
    "very_restricted": "has at least one item labelled V (e.g. a protected address)",
    "sealed": "has sealed items in social work or education (stored, never served)",
    "third_party": "has records holding third-party information about a parent, their partner or a sibling",
    "nopat": "has an item its source marked not for the child or family (FHIR NOPAT or not_for_family)",
    "large": "has at least 5,000 events across agencies (scale tests)",
}
SW_LABELLED_TABLES = ("people", "referrals", "significant_events", "case_notes", "contacts")


def derive_tags(children: list[Child], agencies: Agencies, education: list[StoreRecord]) -> None:
    """Add the tags that follow from the records: missing CHI, R/V labels, sealed items, story, move."""
    by_subject: dict[tuple[str, str], Child] = {}
    for child in children:
        for agency, source_id in child.ids.items():
            by_subject[(agency, source_id)] = child
        if child.story:
            child.tag("multi_agency")
        if child.household.previous_postcode:
            child.tag("moved_council")
        for agency in ("police", "education"):
            if agency in child.ids and agency in child.no_chi_in:
                child.tag(f"no_chi_{agency}")

    stores = (("health", agencies.health.records), ("education", education), ("police", agencies.police.records),
              ("scra", agencies.scra.records))
    for agency, records in stores:
        for label, sealed, subject, family in _document_marks(records):
            marked = by_subject.get((agency, subject)) if subject else None
            if marked:
                _tag_marks(marked, label, sealed, family)
    for table in SW_LABELLED_TABLES:
        for row in agencies.social_work.tables[table]:
            child = by_subject[("social_work", row["person_id"])]
            family = {mark for mark in ("not_for_family", "third_party") if row.get(mark)}
            _tag_marks(child, row["security_label"], bool(row.get("sealed", 0)), family)


def _document_marks(records: Iterable[StoreRecord]) -> Iterable[tuple[str, bool, str | None, set[str]]]:
    for record in records:
        body = record.json
        is_fhir = "resourceType" in body
        label = body["meta"]["security"][0]["code"] if is_fhir else body.get("security_label", "N")
        if is_fhir:
            family = {"not_for_family"} if any(s["code"] == "NOPAT" for s in body["meta"]["security"]) else set()
        else:
            family = {mark for mark in ("not_for_family", "third_party") if body.get(mark)}
        yield label, record.sealed, record.subject_id, family


def _tag_marks(child: Child, label: str, sealed: bool, family: Collection[str] = ()) -> None:
    if "not_for_family" in family:
        child.tag("nopat")
    if "third_party" in family:
        child.tag("third_party")
    if label == "R":
        child.tag("restricted")
    elif label == "V":
        child.tag("very_restricted")
    if sealed:
        child.tag("sealed")
