"""SEEMiS-like pupil records: pupils, weekly attendance, exclusions and pastoral notes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sandbox.cohort.identifiers import make_scn
from sandbox.cohort.model import TODAY, Child
from sandbox.cohort.places import GUIDANCE_TEACHERS, HEAD_TEACHERS
from sandbox.stores.records import StoreRecord

# SEEMiS-like two-digit attendance codes (after the ScotXed mapping; illustrative, not the full list).
ABSENCE_CODES = {
    "11": "Late (before 50% of the opening)",
    "21": "Sickness (authorised)",
    "22": "Medical or dental appointment (authorised)",
    "24": "Bereavement (authorised)",
    "31": "Unauthorised absence",
    "32": "Unexplained absence",
    "33": "Family holiday not agreed by the school",
    "40": "Temporary exclusion",
    "02": "Extended leave with parental consent",
}
ROUTINE_CODES: tuple[str, ...] = ("21", "21", "22", "11")
STAGES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "S1", "S2", "S3", "S4", "S5", "S6")
CURRENT_SESSION_START = 2026  # the school year that began in August 2026
OPENINGS_PER_WEEK = 10  # two openings (morning, afternoon) a day


@dataclass
class AbsencePeriod:
    start: date
    end: date
    rate: float  # share of openings missed
    codes: tuple[str, ...]


def stage_index(birth_date: date, session_start: int = CURRENT_SESSION_START) -> int:
    """0 for P1 … 12 for S6 in the session starting in August `session_start`; outside that, not at school.

    Scottish children born March to February start P1 together in the August after
    they turn (or are about to turn) five.
    """
    cohort_year = birth_date.year if birth_date.month >= 3 else birth_date.year - 1
    return session_start - (cohort_year + 5)


def is_school_age(child: Child) -> bool:
    """True if the child is on a school roll in the current session."""
    return 0 <= stage_index(child.birth_date) < len(STAGES)


def school_weeks(first: date, last: date) -> list[date]:
    """Mondays of term weeks between two dates (summer, Christmas, spring and October breaks left out)."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        if not _holiday_week(monday):
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _holiday_week(monday: date) -> bool:
    month, day = monday.month, monday.day
    return (
        (month == 7) or (month == 8 and day < 15) or (month == 6 and day > 26)
        or (month == 12 and day > 20) or (month == 1 and day < 3)
        or (month == 4 and day < 14) or (month == 10 and 12 <= day <= 18)
    )


class EducationRecords:
    """Collects pupil records; attendance is built at the end from each pupil's absence periods."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[StoreRecord] = []
        self._pupils: dict[str, Child] = {}
        self._periods: dict[str, list[AbsencePeriod]] = {}
        self._attendance_from: dict[str, date] = {}
        self._scns: set[str] = set()
        self._counters: dict[str, int] = {}

    def pupil(self, child: Child, *, asn: dict[str, Any] | None = None, looked_after: bool = False) -> str:
        """Create (once) the child's pupil record and return its pupil_id."""
        if "education" in child.ids:
            return child.ids["education"]
        index = stage_index(child.birth_date)
        pupil_id = f"PUP-{self._next('pupil'):05d}"
        child.ids["education"] = pupil_id
        child.scn = make_scn(self.rng, CURRENT_SESSION_START - index, self._scns)
        forename, surname = child.name_in("education")
        town = child.household.town
        school = town.primary_school if index < 7 else town.secondary_school
        named_person = (
            {"name": self.rng.choice(HEAD_TEACHERS), "role": "Head teacher", "school": school}
            if index < 7 else {"name": self.rng.choice(GUIDANCE_TEACHERS), "role": "Guidance teacher", "school": school}
        )
        pupil = {
            "pupil_id": pupil_id, "scn": child.scn, "chi": child.chi_in("education"), "forename": forename,
            "surname": surname, "dob": child.birth_date.isoformat(), "sex": child.sex, "postcode": child.postcode,
            "school": school, "stage": STAGES[index], "named_person": named_person,
            "asn": asn or {"has_asn": False, "reasons": [], "plan_type": None},
            "looked_after": looked_after, "updated_at": "2026-09-20T08:00:00Z", "security_label": "N",
        }
        self.records.append(StoreRecord("pupils", pupil_id, pupil_id, "2026-09-20", pupil))
        self._pupils[pupil_id] = child
        self._periods[pupil_id] = []
        self._attendance_from[pupil_id] = date(2025, 8, 18)
        return pupil_id

    def update_pupil(self, child: Child, **changes: Any) -> None:
        """Change fields of an existing pupil record (ASN, looked-after flag)."""
        pupil_id = self.pupil(child)
        record = next(r for r in self.records if r.collection == "pupils" and r.id == pupil_id)
        record.json.update(changes)

    def attendance_since(self, child: Child, first_week: date) -> None:
        """Keep weekly attendance from an earlier date than the default (last session)."""
        self._attendance_from[self.pupil(child)] = first_week

    def absence(self, child: Child, start: date, end: date, rate: float, codes: tuple[str, ...]) -> None:
        """Record that between two dates the pupil missed about `rate` of openings, with these codes."""
        self._periods[self.pupil(child)].append(AbsencePeriod(start, end, rate, codes))

    def exclusion(self, child: Child, start: date, days_excluded: int, reason: str, action: str) -> str:
        """A temporary exclusion incident; it also shows as code 40 in that week's attendance."""
        pupil_id = self.pupil(child)
        exclusion_id = f"EXC-{self._next('exclusion'):05d}"
        end = start + timedelta(days=days_excluded - 1)
        item = {"exclusion_id": exclusion_id, "start_date": start.isoformat(), "end_date": end.isoformat(),
                "openings_lost": days_excluded * 2, "reason": reason, "action": action, "security_label": "N"}
        self.records.append(StoreRecord("exclusions", exclusion_id, pupil_id, start.isoformat(), item))
        self.absence(child, start, end, 1.0, ("40",))
        return exclusion_id

    def note(self, child: Child, when: date, title: str, summary: str, *, shanarri: tuple[str, ...] = (),
             action: str | None = None, significant: bool = True, label: str = "N", sealed: bool = False,
             author_role: str = "Guidance teacher") -> str:
        """A pastoral note; sealed notes stay in the store but are never served."""
        pupil_id = self.pupil(child)
        note_id = f"NOTE-{self._next('note'):06d}"
        item = {"note_id": note_id, "date": when.isoformat(), "title": title, "summary": summary,
                "significant": significant, "shanarri": list(shanarri), "action": action,
                "author_role": author_role, "security_label": label}
        self.records.append(StoreRecord("notes", note_id, pupil_id, when.isoformat(), item, sealed=sealed))
        return note_id

    def finish(self) -> list[StoreRecord]:
        """Build the weekly attendance rows and return every education record."""
        for pupil_id in self._pupils:
            for monday in school_weeks(self._attendance_from[pupil_id], TODAY - timedelta(days=1)):
                item = self._week(pupil_id, monday)
                self.records.append(
                    StoreRecord("attendance", f"{pupil_id}-{monday.isoformat()}", pupil_id, monday.isoformat(), item))
        return self.records

    def _week(self, pupil_id: str, monday: date) -> dict[str, Any]:
        rate, codes = 0.03, ROUTINE_CODES
        for period in self._periods[pupil_id]:
            if period.start - timedelta(days=6) <= monday <= period.end:
                rate, codes = period.rate, period.codes
        missed = sum(1 for _ in range(OPENINGS_PER_WEEK) if self.rng.random() < rate)
        by_code: dict[str, int] = {}
        for _ in range(missed):
            code = self.rng.choice(codes)
            by_code[code] = by_code.get(code, 0) + 1
        late = by_code.get("11", 0)  # late arrivals still count as attended
        absences = [{"code": c, "description": ABSENCE_CODES[c], "openings": n} for c, n in sorted(by_code.items())]
        return {"week_start": monday.isoformat(), "possible_openings": OPENINGS_PER_WEEK,
                "attended_openings": OPENINGS_PER_WEEK - missed + late, "absences": absences,
                "security_label": "N"}

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]
