"""The cohort's people and the generated result.

`Household` and `Child` are the generator's own picture of who exists; each agency
module turns them into that agency's records, with that agency's quirks (missing
CHI, a name spelt differently, an older postcode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sandbox.cohort.places import Town
from sandbox.stores.records import StoreRecord

# The generator never reads the clock: ages and "current" records are as of this day.
TODAY = date(2026, 11, 1)

AGENCIES = ("health", "social_work", "education", "police", "scra")


@dataclass
class Parent:
    forename: str
    surname: str
    sex: str
    relationship: str  # as the child's records would put it: "Mother", "Father", "Stepfather"
    parental_responsibility: bool = True


@dataclass
class Household:
    household_id: str
    surname: str
    town: Town
    address: str
    postcode: str
    parents: list[Parent]
    story: str | None = None  # multi-agency story shared by the children here
    anchor: date | None = None  # the day the story's first incident happens
    previous_postcode: str | None = None  # set when the family moved from another council


@dataclass
class Child:
    key: str  # generator's own id, e.g. "C0007"
    household: Household
    forename: str
    surname: str
    sex: str  # "male" | "female"
    birth_date: date
    chi: str
    tags: list[str] = field(default_factory=list)
    # Per-agency spelling of the name where an agency records it differently.
    names_by_agency: dict[str, tuple[str, str]] = field(default_factory=dict)
    previous_surname: str | None = None
    no_chi_in: set[str] = field(default_factory=set)  # agencies that hold no CHI for this child
    ids: dict[str, str] = field(default_factory=dict)  # agency -> the agency's own id for the child
    scn: str | None = None

    @property
    def postcode(self) -> str:
        return self.household.postcode

    @property
    def story(self) -> str | None:
        return self.household.story

    def age_on(self, day: date) -> int:
        """Age in whole years on `day`."""
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def name_in(self, agency: str) -> tuple[str, str]:
        """(forename, surname) as `agency` records them."""
        return self.names_by_agency.get(agency, (self.forename, self.surname))

    def chi_in(self, agency: str) -> str | None:
        """The CHI `agency` holds, or None if it has none."""
        return None if agency in self.no_chi_in else self.chi

    def tag(self, name: str) -> None:
        """Add a scenario tag once."""
        if name not in self.tags:
            self.tags.append(name)


@dataclass
class Cohort:
    """Everything the generator made: per-system rows and the manifest of children."""

    seed: int
    children: list[dict[str, Any]]  # the cohort.json manifest
    health: list[StoreRecord]
    education: list[StoreRecord]
    police: list[StoreRecord]
    scra: list[StoreRecord]
    socialwork: dict[str, list[dict[str, Any]]]  # table -> rows

    def document_stores(self) -> dict[str, list[StoreRecord]]:
        """The four document stores keyed by their file stem."""
        return {"health": self.health, "education": self.education, "police": self.police, "scra": self.scra}


def days(n: int) -> timedelta:
    """Shorthand for a span of days."""
    return timedelta(days=n)


def happened(anchor: date, offset_days: int) -> date | None:
    """The day `offset_days` after `anchor`, or None if that is not before the fixed "today"."""
    day = anchor + timedelta(days=offset_days)
    return day if day < TODAY else None
