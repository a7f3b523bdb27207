"""Which story writes which records: the story name on a household picks the writer."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sandbox.cohort.agencies import Agencies
from sandbox.cohort.model import TODAY, Child
from sandbox.cohort.stories_family import domestic_abuse, looked_after, neglect
from sandbox.cohort.stories_young_person import mental_health, youth_offending

StoryWriter = Callable[[Agencies, Child, random.Random], None]

STORIES: dict[str, StoryWriter] = {
    "domestic_abuse": domestic_abuse,
    "neglect": neglect,
    "looked_after": looked_after,
    "mental_health": mental_health,
    "youth_offending": youth_offending,
}

LIGHT_CONCERNS = (
    ("Child welfare concern", "Child found walking home alone after dark; returned to a parent.",
     ("safe",), "Shared with the named person; no further police action."),
    ("Road traffic collision", "Child a passenger in a minor collision; checked by paramedics, no injury.",
     ("safe", "healthy"), "Information only."),
)


def write_story(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """Write the child's multi-agency story, if their household has one."""
    if child.story:
        STORIES[child.story](agencies, child, rng)


def write_light_police_contact(agencies: Agencies, child: Child, rng: random.Random) -> None:
    """A single low-level police concern, the kind many children without a story have."""
    incident, summary, shanarri, action = rng.choice(LIGHT_CONCERNS)
    span = max((TODAY - child.birth_date).days - 400, 30)  # callers pass children old enough to be out alone
    when = TODAY - timedelta(days=rng.randint(20, span))
    agencies.police.concern(child, when, incident, summary, shanarri=shanarri, action=action, significant=False)
