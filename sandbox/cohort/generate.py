"""Build the whole demo cohort from one seed: people, then every agency's records."""

from __future__ import annotations

import random
from typing import Any

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.hard_cases import add_large_history, add_sensitive_items, prepare_identities
from sandbox.cohort.model import AGENCIES, TODAY, Child, Cohort
from sandbox.cohort.people import build_people
from sandbox.cohort.routine import add_routine_records
from sandbox.cohort.stories import write_light_police_contact, write_story
from sandbox.cohort.tags import derive_tags

DEFAULT_SEED = 20261122
DEFAULT_SIZE = 220


def generate(seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE) -> Cohort:
    """Generate the cohort. Pure and deterministic: the same seed and size give identical rows.

    Only `random.Random(seed)` supplies randomness and "today" is fixed, so nothing
    depends on the clock or the machine.
    """
    if size < 30:
        raise ValueError("the cohort needs at least 30 children to hold every story and hard case")
    rng = random.Random(seed)
    children = build_people(rng, size)
    prepare_identities(children)
    agencies = Agencies.empty(rng)
    for child in children:
        add_routine_records(agencies, child, rng)
        write_story(agencies, child, rng)
        if _has_light_police_contact(child, rng):
            write_light_police_contact(agencies, child, rng)
    add_sensitive_items(agencies, children)
    add_large_history(agencies, next(c for c in children if "large" in c.tags), rng)
    education = agencies.education.finish()
    derive_tags(children, agencies, education)
    return Cohort(
        seed=seed,
        children=[_manifest_entry(child) for child in children],
        health=agencies.health.records,
        education=education,
        police=agencies.police.records,
        scra=agencies.scra.records,
        socialwork=agencies.social_work.tables,
    )


def _has_light_police_contact(child: Child, rng: random.Random) -> bool:
    # Name variants need a police record to vary in; some other children have one low-level contact.
    if child.story or child.age_on(TODAY) < 5:
        return False
    return "name_variant" in child.tags or rng.random() < 0.12


def _manifest_entry(child: Child) -> dict[str, Any]:
    return {
        "chi": child.chi, "forename": child.forename, "surname": child.surname,
        "birth_date": child.birth_date.isoformat(), "sex": child.sex, "postcode": child.postcode,
        "tags": sorted(child.tags), "ids": {agency: child.ids[agency] for agency in AGENCIES if agency in child.ids},
    }
