"""Households and children: the story families, the hard identity cases, and everyone else."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sandbox.cohort import names
from sandbox.cohort.identifiers import make_chi
from sandbox.cohort.model import TODAY, Child, Household, Parent
from sandbox.cohort.places import TOWNS, former_postcode, home_postcode, street_address


@dataclass(frozen=True)
class StoryFamily:
    story: str
    ages: tuple[int, ...]  # one entry per child, age on TODAY
    twins: bool = False
    moved: bool = False


# The ~15 children with rich multi-agency stories, household by household.
STORY_FAMILIES: tuple[StoryFamily, ...] = (
    StoryFamily("domestic_abuse", (8, 8), twins=True),
    StoryFamily("domestic_abuse", (15,)),
    StoryFamily("domestic_abuse", (3, 9)),
    StoryFamily("domestic_abuse", (11,)),
    StoryFamily("neglect", (2, 6), moved=True),
    StoryFamily("neglect", (4,)),
    StoryFamily("mental_health", (15,)),
    StoryFamily("mental_health", (13,)),
    StoryFamily("youth_offending", (15,)),
    StoryFamily("youth_offending", (14,)),
    StoryFamily("looked_after", (10,)),
    StoryFamily("looked_after", (7,)),
)


class PeopleFactory:
    """Makes households and children with unique CHIs; every 10th child gets a Luhn-only CHI."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.children: list[Child] = []
        self.households: list[Household] = []
        self._chis: set[str] = set()

    def household(self, *, surname: str | None = None, town_index: int | None = None,
                  story: str | None = None, moved: bool = False) -> Household:
        rng = self.rng
        family = surname or names.surname(rng)
        town = TOWNS[town_index if town_index is not None else rng.randrange(len(TOWNS))]
        parents = [Parent(names.adult_forename(rng, "female"), family, "female", "Mother")]
        if rng.random() < 0.6:
            parents.append(Parent(names.adult_forename(rng, "male"), family, "male", "Father"))
        anchor = TODAY - timedelta(days=rng.randint(200, 500)) if story else None
        household = Household(
            household_id=f"H{len(self.households) + 1:04d}", surname=family, town=town,
            address=street_address(rng), postcode=home_postcode(rng, town), parents=parents, story=story,
            anchor=anchor, previous_postcode=former_postcode(rng) if moved else None,
        )
        self.households.append(household)
        return household

    def child(self, household: Household, *, age: int | None = None, birth_date: date | None = None,
              sex: str | None = None, forename: str | None = None) -> Child:
        rng = self.rng
        sex = sex or rng.choice(("female", "male"))
        if birth_date is None:
            years = age if age is not None else rng.randint(0, 17)
            birth_date = TODAY - timedelta(days=years * 365 + rng.randint(10, 355))
        key = f"C{len(self.children) + 1:04d}"
        luhn_only = len(self.children) % 10 == 7
        chi = make_chi(rng, birth_date, sex, luhn_only=luhn_only, taken=self._chis)
        child = Child(key=key, household=household, forename=forename or names.child_forename(rng, sex),
                      surname=household.surname, sex=sex, birth_date=birth_date, chi=chi)
        # Police records often carry no CHI; education usually does.
        if rng.random() < 0.5:
            child.no_chi_in.add("police")
        if rng.random() < 0.05:
            child.no_chi_in.add("education")
        self.children.append(child)
        return child


def build_people(rng: random.Random, size: int) -> list[Child]:
    """All children: story families first, then the identity hard cases, then ordinary families."""
    factory = PeopleFactory(rng)
    for family in STORY_FAMILIES:
        _story_family(factory, family)
    _identity_cases(factory)
    while len(factory.children) < size:
        household = factory.household()
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if len(factory.children) < size:
                factory.child(household)
    return factory.children


def _story_family(factory: PeopleFactory, family: StoryFamily) -> None:
    household = factory.household(story=family.story, moved=family.moved)
    if family.twins:
        first = factory.child(household, age=family.ages[0], sex="female")
        second = factory.child(household, birth_date=first.birth_date, sex="male")
        for twin in (first, second):
            twin.tag("twins")
        return
    for age in family.ages:
        factory.child(household, age=age)


def _identity_cases(factory: PeopleFactory) -> None:
    rng = factory.rng
    # Namesakes: same name and date of birth, different children in different towns.
    first = factory.child(factory.household(surname="Campbell", town_index=0), age=9, sex="male", forename="Jack")
    second = factory.child(factory.household(surname="Campbell", town_index=4), birth_date=first.birth_date,
                           sex="male", forename="Jack")
    for namesake in (first, second):
        namesake.tag("namesake")

    mackenzie = factory.child(factory.household(surname="Mackenzie"), age=12, sex="male")
    mackenzie.names_by_agency = {"police": (mackenzie.forename, "McKenzie"), "education": (mackenzie.forename,
                                                                                          "McKenzie")}
    katie = factory.child(factory.household(surname=names.surname(rng)), age=10, sex="female", forename="Katie")
    katie.names_by_agency = {"education": ("Kate", katie.surname), "police": ("Kate", katie.surname)}
    hyphen = factory.child(factory.household(surname="Reid-Morrison"), age=13, sex="female")
    hyphen.names_by_agency = {"police": (hyphen.forename, "Morrison"), "education": (hyphen.forename,
                                                                                      "Reid Morrison")}
    for child in (mackenzie, katie, hyphen):
        child.tag("name_variant")

    no_chi_pupil = factory.child(factory.household(), age=11)
    no_chi_pupil.no_chi_in.add("education")
