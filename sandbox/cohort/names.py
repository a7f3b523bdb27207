"""Forenames and surnames for the fictional cohort (common Scottish names; nobody real)."""

from __future__ import annotations

import random

GIRLS: tuple[str, ...] = (
    "Isla", "Olivia", "Freya", "Emily", "Ava", "Sophie", "Amelia", "Ella", "Grace", "Mia", "Lily", "Ruby",
    "Eilidh", "Skye", "Orla", "Hannah", "Millie", "Poppy", "Evie", "Rosie", "Aria", "Zara", "Leah", "Chloe",
    "Erin", "Niamh", "Kayla", "Abbie", "Rachel", "Morven",
)
BOYS: tuple[str, ...] = (
    "Jack", "Noah", "Leo", "Oliver", "Harris", "Finlay", "Lewis", "Rory", "Callum", "Archie", "Lucas", "James",
    "Alfie", "Charlie", "Cameron", "Ruaridh", "Fraser", "Ethan", "Logan", "Kyle", "Owen", "Aaron", "Jamie",
    "Euan", "Blair", "Corey", "Dylan", "Arran", "Kieran", "Murray",
)
ADULT_WOMEN: tuple[str, ...] = (
    "Karen", "Lisa", "Nicola", "Gemma", "Claire", "Kirsty", "Lynsey", "Donna", "Stacey", "Michelle", "Laura",
    "Amy", "Jennifer", "Shona", "Tracy",
)
ADULT_MEN: tuple[str, ...] = (
    "Scott", "Craig", "Gary", "Steven", "Mark", "Paul", "Darren", "Ross", "Barry", "Kevin", "Graeme", "Sean",
    "Martin", "Neil", "Andrew",
)
SURNAMES: tuple[str, ...] = (
    "Campbell", "Stewart", "Robertson", "Thomson", "Anderson", "Scott", "Murray", "Paterson", "Ross", "Watson",
    "Morrison", "Young", "Mitchell", "Fraser", "Hamilton", "Graham", "Kerr", "Gray", "Duncan", "Ferguson",
    "Hunter", "Ritchie", "Shearer", "Baillie", "Cochrane", "Lennox", "Dalgleish", "Haldane", "Rennie", "Guthrie",
    "Balfour", "Kinnear", "Pollock", "Sinclair", "Munro", "Gillespie", "Aitken", "Lauder", "Tait", "Crichton",
)


def child_forename(rng: random.Random, sex: str) -> str:
    """A child's forename for the given sex ("male" | "female")."""
    return rng.choice(BOYS if sex == "male" else GIRLS)


def adult_forename(rng: random.Random, sex: str) -> str:
    """A parent's forename for the given sex."""
    return rng.choice(ADULT_MEN if sex == "male" else ADULT_WOMEN)


def surname(rng: random.Random) -> str:
    """A family surname."""
    return rng.choice(SURNAMES)
