"""Police concern hub records: subjects (CHI often missing) and child concern reports."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sandbox.cohort.model import Child
from sandbox.stores.records import StoreRecord

PARTNERS = ("Social Work", "Education", "Health")


class PoliceRecords:
    """Collects police subjects and concern reports."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[StoreRecord] = []
        self._subjects: dict[str, dict[str, Any]] = {}
        self._report_serial = 0

    def subject(self, child: Child, *, postcode: str | None = None) -> str:
        """Create (once) the child's police subject record and return its subject_id.

        `postcode` overrides the current one: a record first made before the family
        moved keeps the address the police had then.
        """
        if "police" in child.ids:
            return child.ids["police"]
        subject_id = f"PS-{len(self._subjects) + 1:06d}"
        child.ids["police"] = subject_id
        forename, surname = child.name_in("police")
        subject = {"subject_id": subject_id, "chi": child.chi_in("police"), "forename": forename,
                   "surname": surname, "dob": child.birth_date.isoformat(),
                   "postcode": postcode or child.postcode, "cp_flag": False, "security_label": "N"}
        self._subjects[subject_id] = subject
        self.records.append(StoreRecord("subjects", subject_id, subject_id, None, subject))
        return subject_id

    def set_cp_flag(self, child: Child, on: bool = True) -> None:
        """Mark the subject with the child protection flag (child on the CP register)."""
        self._subjects[self.subject(child)]["cp_flag"] = on

    def concern(self, child: Child, when: date, incident_type: str, summary: str, *,
                shanarri: tuple[str, ...], action: str, cp_flag: bool = False, significant: bool = True,
                label: str = "N", views_sought: bool = True, shared_with: tuple[str, ...] = PARTNERS,
                third_parties: tuple[tuple[str, str], ...] = (), third_party: bool = False,
                not_for_family: bool = False) -> str:
        """A child concern report, as shared by the concern hub."""
        subject_id = self.subject(child)
        self._report_serial += 1
        report_id = f"CR-{when.year}-{self._report_serial:06d}"
        item = {
            "report_id": report_id, "incident_date": when.isoformat(),
            "incident_time": f"{self.rng.randint(0, 23):02d}:{self.rng.choice((0, 15, 30, 45)):02d}",
            "incident_type": incident_type, "shanarri": list(shanarri), "summary": summary, "cp_flag": cp_flag,
            "shared_with": list(shared_with), "action": action, "views_sought": views_sought,
            "significant": significant, "security_label": label, "not_for_family": not_for_family,
            "third_party": third_party, "third_parties": [{"name": n, "role": r} for n, r in third_parties],
        }
        self.records.append(StoreRecord("concerns", report_id, subject_id, when.isoformat(), item))
        return report_id
