"""Hard cases on purpose: a change of surname, restricted and very restricted items, sealed items,
third-party information, and one child with thousands of events for scale tests."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.education import CURRENT_SESSION_START, stage_index
from sandbox.cohort.model import TODAY, Child, Parent
from sandbox.cohort.routine import MINOR_REASONS

FORMER_PARTNER = "Darren Kerr"  # the protected child's mother's former partner, named only in marked items
LARGE_CHILD_TARGETS = {"encounters": 2000, "appointments": 400, "case_notes": 1300, "concerns": 500,
                       "school_notes": 700}


def story_child(children: list[Child], story: str, age: int) -> Child:
    """The first story child with this story and age (the story families are fixed, so it exists)."""
    return next(c for c in children if c.story == story and c.age_on(TODAY) == age)


def prepare_identities(children: list[Child]) -> None:
    """Identity quirks that must be in place before any record is written."""
    changed = story_child(children, "domestic_abuse", 11)
    changed.previous_surname = changed.surname
    changed.surname = "Gillespie"  # took the stepfather's surname after the incident
    changed.household.parents.append(Parent("Ross", "Gillespie", "male", "Stepfather", parental_responsibility=False))
    # The police record dates from before the change and still has the old name.
    changed.names_by_agency["police"] = (changed.forename, changed.previous_surname)
    changed.tag("name_variant")
    story_child(children, "domestic_abuse", 15).tag("large")
    # Always at least one police record without a CHI, whatever the seed draws for the rest.
    story_child(children, "youth_offending", 15).no_chi_in.add("police")


def add_sensitive_items(agencies: Agencies, children: list[Child]) -> None:
    """R, V, sealed and third-party items on the children the scenarios name."""
    protected = story_child(children, "domestic_abuse", 9)
    anchor = protected.household.anchor or TODAY
    agencies.police.concern(protected, anchor + timedelta(days=60), "Domestic abuse: bail condition breach",
                            "Mother (the victim) and children moved to a refuge; new address held by police only. "
                            "Former partner breached bail conditions.", shanarri=("safe",),
                            action="Address withheld; partners told to use the refuge's contact route.", label="V")
    agencies.health.flag(protected, anchor + timedelta(days=60), "Protected address: do not disclose", label="V")
    varied = anchor + timedelta(days=70)
    # A hearing varies the existing order: the old one ends the day the varied one starts.
    for record in agencies.scra.records:
        if record.collection == "orders" and record.subject_id == protected.ids.get("scra") \
                and record.json["end_date"] is None:
            record.json["end_date"] = varied.isoformat()
    agencies.scra.hearing(protected, varied, "Children's hearing", "Compulsory supervision order varied: "
                          "address not to be disclosed", label="V")
    agencies.scra.order(protected, "CSO", varied, varied + timedelta(days=365),
                        ("Child to reside with mother at an address not to be disclosed",), non_disclosure=True,
                        label="V")
    partner = (FORMER_PARTNER, "Mother's former partner")
    agencies.police.concern(protected, anchor + timedelta(days=61), "Third-party information",
                            f"Mother's former partner, {FORMER_PARTNER}, has previous convictions for violence against "
                            "a former partner (information about a third party, shared for risk assessment).",
                            shanarri=("safe",), action="Shared with social work only.", label="R",
                            shared_with=("Social Work",), third_parties=(partner,), third_party=True)
    add_family_sensitive_items(agencies, children, protected, partner)
    protected.tag("third_party")

    restricted = story_child(children, "neglect", 6)
    when = (restricted.household.anchor or TODAY) + timedelta(days=12)
    agencies.social_work.note(restricted, when, "Mother disclosed relapse into heroin use; information given in "
                              "confidence to the health visitor and shared for child protection.", label="R")
    agencies.health.flag(restricted, when, "Parental substance misuse: restricted information", label="R")
    restricted.tag("restricted")

    troubled = story_child(children, "mental_health", 15)
    when = (troubled.household.anchor or TODAY) + timedelta(days=30)
    agencies.social_work.note(troubled, when, "Information from mother's GP (third party): mother is being "
                              "treated for depression; shared with her consent for family support planning.",
                              label="R")
    agencies.social_work.contact(troubled, "Mother's community psychiatric nurse", "Professional (mother's care)")
    troubled.tag("third_party")

    sealed = story_child(children, "looked_after", 10)
    when = (sealed.household.anchor or TODAY) + timedelta(days=100)
    agencies.social_work.event(sealed, when, "Permanence planning record",
                               "Record sealed by order of the court.", sealed=True, label="R")
    agencies.social_work.note(sealed, when, "Sealed case note (court order).", sealed=True)
    agencies.education.note(sealed, when, "Sealed pastoral note", "Sealed by the head teacher on legal advice.",
                            sealed=True)
    agencies.social_work.contact(sealed, "Birth father", "Father", parental_responsibility=True, do_not_inform=True,
                                 label="R")
    sealed.tag("sealed")


def add_family_sensitive_items(agencies: Agencies, children: list[Child], protected: Child,
                               partner: tuple[str, str]) -> None:
    """What a meeting with the family present must not show: a social work event naming the former partner
    (names substituted), a sibling's information (third party) and a health item the clinician marked NOPAT."""
    anchor = protected.household.anchor or TODAY
    agencies.social_work.event(protected, anchor + timedelta(days=62), "Safety planning with mother",
                               f"Safety plan reviewed with mother: {partner[0]} is not to have contact with the "
                               "children; mother knows how to reach the police.", shanarri=("safe",),
                               action="Safety plan updated.", impact="positive", third_parties=(partner,))
    sibling = next(c for c in children if c.household is protected.household and c is not protected)
    sibling_name = f"{sibling.forename} {sibling.surname}"
    agencies.social_work.event(protected, anchor + timedelta(days=63), "Information about a sibling",
                               f"{sibling_name} (sibling) referred to the paediatric clinic; sibling's health "
                               "recorded here because it affects the family's plan.", shanarri=("nurtured",),
                               third_parties=((sibling_name, "Sibling"),), third_party=True)
    agencies.health.condition(protected, anchor + timedelta(days=65), "Anxiety: disclosed fear of the mother's "
                              "former partner to the school nurse", nopat=True)


def add_large_history(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Thousands of mostly routine events across agencies for one child (scale tests)."""
    first_school_year = CURRENT_SESSION_START - stage_index(child.birth_date)
    agencies.education.attendance_since(child, date(first_school_year, 8, 18))
    start = child.birth_date + timedelta(days=60)
    span = (TODAY - start).days - 1

    def some_day() -> date:
        return start + timedelta(days=rng.randrange(span))

    targets = LARGE_CHILD_TARGETS
    for _ in range(targets["encounters"]):
        agencies.health.encounter(child, some_day(), rng.choice(("gp", "nurse", "ae")), rng.choice(MINOR_REASONS),
                                  hour=rng.randint(8, 20))
    for _ in range(targets["appointments"]):
        agencies.health.appointment(child, some_day(), "Paediatric outpatient clinic",
                                    rng.choice(("fulfilled", "fulfilled", "fulfilled", "noshow")))
    for n in range(targets["case_notes"]):
        agencies.social_work.note(child, some_day(), f"Routine contact record {n + 1}: visit to the family home.")
    for _ in range(targets["concerns"]):
        agencies.police.concern(child, some_day(), "Child welfare concern", "Police attended a call to the home; "
                                "no offence disclosed.", shanarri=("safe",), action="Shared with partners.",
                                significant=rng.random() < 0.2)
    school_start = date(first_school_year, 8, 18)
    school_span = (TODAY - school_start).days - 1
    for _ in range(targets["school_notes"]):
        agencies.education.note(child, school_start + timedelta(days=rng.randrange(school_span)), "Pastoral contact",
                                "Check-in with guidance teacher.", significant=False)
