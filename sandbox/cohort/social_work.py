"""Rows for the council social work case system (tables as in sandbox/API.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sandbox.cohort.model import Child
from sandbox.stores.socialwork import TABLES


class SocialWorkRecords:
    """Collects social work rows table by table."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
        self._counters: dict[str, int] = {}
        self._sequence: dict[tuple[str, str], int] = {}

    def person(self, child: Child, *, label: str = "N") -> str:
        """Create (once) the child's person record and return its person_id."""
        if "social_work" in child.ids:
            return child.ids["social_work"]
        person_id = f"SWP-{self._next('people'):05d}"
        child.ids["social_work"] = person_id
        forename, surname = child.name_in("social_work")
        self.tables["people"].append({
            "person_id": person_id, "chi": child.chi_in("social_work"), "forename": forename, "surname": surname,
            "previous_surname": child.previous_surname, "birth_date": child.birth_date.isoformat(), "sex": child.sex,
            "postcode": child.postcode, "address": f"{child.household.address}, {child.household.town.name}",
            "security_label": label,
        })
        for parent in child.household.parents:
            self.contact(child, f"{parent.forename} {parent.surname}", parent.relationship,
                         parental_responsibility=parent.parental_responsibility)
        return person_id

    def allocation(self, child: Child, worker: str, role: str, team: str, start: date, *, lead: bool,
                   end: date | None = None) -> str:
        return self._row(child, "allocations", "ALC", "allocation_id", {
            "worker_name": worker, "worker_role": role, "team": team, "start_date": start.isoformat(),
            "end_date": _iso(end), "is_lead_professional": int(lead)})

    def referral(self, child: Child, when: date, source: str, reason: str, outcome: str, label: str = "N") -> str:
        return self._row(child, "referrals", "SWR", "referral_id", {
            "referral_date": when.isoformat(), "source": source, "reason": reason, "outcome": outcome,
            "security_label": label, **family_marks()})

    def assessment(self, child: Child, start: date, kind: str, outcome: str | None, end: date | None) -> str:
        return self._row(child, "assessments", "ASM", "assessment_id", {
            "start_date": start.isoformat(), "end_date": _iso(end), "assessment_type": kind, "outcome": outcome})

    def registration(self, child: Child, cppm: date, areas: tuple[str, ...], *, next_review: date | None,
                     deregistered: date | None = None) -> str:
        """A child protection register spell and its areas of concern (no categories, per the 2021 guidance)."""
        registration_id = self._row(child, "cp_registrations", "CPR", "registration_id", {
            "registered_date": cppm.isoformat(), "deregistered_date": _iso(deregistered),
            "cppm_date": cppm.isoformat(), "next_review_date": _iso(next_review)})
        for area in areas:
            self.tables["cp_concerns"].append({"registration_id": registration_id, "area_of_concern": area})
        return registration_id

    def looked_after(self, child: Child, start: date, setting: str, legal_basis: str, placement: str,
                     end: date | None = None) -> str:
        return self._row(child, "looked_after_spells", "LAS", "spell_id", {
            "start_date": start.isoformat(), "end_date": _iso(end), "setting": setting,
            "legal_basis": legal_basis, "placement_type": placement})

    def plan(self, child: Child, plan_type: str, lead: str | None, status: str, next_review: date | None) -> str:
        return self._row(child, "childs_plans", "PLN", "plan_id", {
            "plan_type": plan_type, "lead_professional": lead, "status": status, "next_review_date": _iso(next_review)})

    def event(self, child: Child, when: date, title: str, summary: str, *, shanarri: tuple[str, ...] = (),
              action: str | None = None, impact: str | None = None, author_role: str = "Social worker",
              significant: bool = True, label: str = "N", sealed: bool = False, certainty: str = "exact",
              third_parties: tuple[tuple[str, str], ...] = (), third_party: bool = False,
              not_for_family: bool = False) -> str:
        """A significant event for the social work chronology."""
        person_id = self.person(child)
        key = (person_id, when.isoformat())
        self._sequence[key] = self._sequence.get(key, 0) + 1
        return self._row(child, "significant_events", "SEV", "event_id", {
            "event_date": when.isoformat(), "date_certainty": certainty, "sequence": self._sequence[key],
            "title": title, "summary": summary, "shanarri": ",".join(shanarri), "action": action,
            "impact": impact, "author_role": author_role, "significant": int(significant),
            "security_label": label, "sealed": int(sealed),
            **family_marks(not_for_family, third_party, third_parties)})

    def note(self, child: Child, when: date, summary: str, *, author_role: str = "Social worker",
             label: str = "N", sealed: bool = False, third_parties: tuple[tuple[str, str], ...] = (),
             third_party: bool = False, not_for_family: bool = False) -> str:
        return self._row(child, "case_notes", "CN", "note_id", {
            "note_date": when.isoformat(), "summary": summary, "author_role": author_role,
            "security_label": label, "sealed": int(sealed),
            **family_marks(not_for_family, third_party, third_parties)})

    def contact(self, child: Child, name: str, relationship: str, *, parental_responsibility: bool = False,
                do_not_inform: bool = False, label: str = "N") -> str:
        return self._row(child, "contacts", "CON", "contact_id", {
            "name": name, "relationship": relationship, "parental_responsibility": int(parental_responsibility),
            "do_not_inform": int(do_not_inform), "security_label": label})

    def _row(self, child: Child, table: str, prefix: str, id_field: str, body: dict[str, Any]) -> str:
        person_id = self.person(child)
        row_id = f"{prefix}-{self._next(table):06d}"
        self.tables[table].append({id_field: row_id, "person_id": person_id, **body})
        return row_id

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]


def family_marks(not_for_family: bool = False, third_party: bool = False,
                 third_parties: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """The "not for the child or family" columns of a row; people named are (name, role) pairs, as JSON."""
    named = json.dumps([{"name": name, "role": role} for name, role in third_parties]) if third_parties else None
    return {"not_for_family": int(not_for_family), "third_party": int(third_party), "third_parties": named}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
