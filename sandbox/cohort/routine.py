"""The ordinary record every child has: GP registration, immunisations, school roll and attendance."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.education import is_school_age
from sandbox.cohort.model import TODAY, Child
from sandbox.cohort.places import HEALTH_VISITORS

# Scottish routine childhood schedule, simplified: (age in days, vaccine).
IMMUNISATIONS: tuple[tuple[int, str], ...] = (
    (56, "6-in-1 (DTaP/IPV/Hib/HepB) dose 1"), (56, "MenB dose 1"), (84, "Rotavirus"),
    (84, "6-in-1 (DTaP/IPV/Hib/HepB) dose 2"), (84, "PCV dose 1"), (112, "6-in-1 (DTaP/IPV/Hib/HepB) dose 3"),
    (112, "MenB dose 2"), (372, "Hib/MenC"), (372, "MMR dose 1"), (372, "PCV booster"), (372, "MenB booster"),
    (1220, "MMR dose 2"), (1220, "4-in-1 pre-school booster (DTaP/IPV)"), (5000, "Td/IPV teenage booster"),
    (5000, "MenACWY"),
)
MINOR_REASONS = ("Cough and cold", "Ear infection", "Eczema review", "Sore throat", "Rash", "Viral illness",
                 "Asthma review", "Minor injury")
ALLERGIES = (("Peanut", "Urticaria and lip swelling", True), ("Penicillin", "Rash", False),
             ("Egg", "Vomiting", False), ("Tree nut", "Anaphylaxis", True))
ASN_REASONS = ("Dyslexia", "Autistic spectrum disorder", "English as an additional language",
               "Social, emotional and behavioural difficulty", "Young carer", "Physical health problem")
CONDITIONS = ("Asthma", "Atopic eczema", "Coeliac disease", "Type 1 diabetes mellitus")


def add_routine_records(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Health and (if school age) education records every child in the area has."""
    health = agencies.health
    health.patient(child)
    for age_days, vaccine in IMMUNISATIONS:
        when = child.birth_date + timedelta(days=age_days + rng.randint(0, 20))
        if when < TODAY and rng.random() < 0.95:
            health.immunization(child, when, vaccine)
    for _ in range(rng.randint(1, 5)):
        seen = _random_day_since(rng, child.birth_date + timedelta(days=30))
        if seen:
            health.encounter(child, seen, "gp", rng.choice(MINOR_REASONS), hour=rng.randint(8, 17))
    if rng.random() < 0.12:
        substance, reaction, critical = rng.choice(ALLERGIES)
        noted = _random_day_since(rng, child.birth_date + timedelta(days=200))
        if noted:
            health.allergy(child, noted, substance, reaction, critical)
    if rng.random() < 0.15:
        diagnosed = _random_day_since(rng, child.birth_date + timedelta(days=400))
        if diagnosed:
            health.condition(child, diagnosed, rng.choice(CONDITIONS))
    if child.age_on(TODAY) < 5:
        # Health visitor is the named person before school.
        health.episode(child, child.birth_date + timedelta(days=11), "hv", rng.choice(HEALTH_VISITORS))
    booked = TODAY + timedelta(days=rng.randint(7, 60))
    health.appointment(child, booked, "GP practice nurse review", "booked")
    if is_school_age(child):
        agencies.education.pupil(child, asn=_additional_support(rng))


def _additional_support(rng: random.Random) -> dict[str, object] | None:
    # Roughly a third of Scottish pupils have a recorded additional support need; most have no formal plan.
    if rng.random() >= 0.3:
        return None
    reasons = rng.sample(ASN_REASONS, rng.choice((1, 1, 2)))
    return {"has_asn": True, "reasons": reasons, "plan_type": rng.choice((None, None, "IEP", "IEP", "CSP"))}


def _random_day_since(rng: random.Random, first: date) -> date | None:
    span = (TODAY - first).days
    if span <= 1:
        return None
    return first + timedelta(days=rng.randrange(span - 1))
