"""The fictional council area: Glenmorven Council, its towns, postcodes and services.

Every place, practice, school and worker here is invented. Postcodes are
well-formed (outward code, space, digit and two letters) but use the made-up
postcode areas "GV" (Glenmorven) and "DV" (the neighbouring Dunvaig area).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

COUNCIL = "Glenmorven Council"
FORMER_COUNCIL = "Dunvaig Council"
HEALTH_BOARD = "NHS Glenmorven"
HOME_AREA = "GV"
FORMER_AREA = "DV"

# Letters the Royal Mail leaves out of the inward code.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Town:
    name: str
    district: int  # postcode district number in the home area
    gp_practice: str
    gp_code: str
    primary_school: str
    secondary_school: str


TOWNS: tuple[Town, ...] = (
    Town("Ardcairn", 1, "Ardcairn Medical Practice", "gp-ardcairn", "Ardcairn Primary School", "Ardcairn Academy"),
    Town("Balnevis", 2, "Balnevis Health Centre", "gp-balnevis", "Balnevis Primary School", "Ardcairn Academy"),
    Town("Inverstrae", 3, "Strae Valley Surgery", "gp-straevalley", "Inverstrae Primary School",
         "Inverstrae High School"),
    Town("Kilbrannoch", 4, "Kilbrannoch Family Practice", "gp-kilbrannoch", "St Brendan's Primary School",
         "Inverstrae High School"),
    Town("Drumfennick", 5, "Drumfennick Medical Group", "gp-drumfennick", "Drumfennick Primary School",
         "Lochgarvie Academy"),
    Town("Lochgarvie", 6, "Lochside Practice", "gp-lochside", "Lochgarvie Primary School", "Lochgarvie Academy"),
)

FORMER_TOWNS: tuple[str, ...] = ("Dunvaig", "Portcraddock", "Easter Mallin")

STREETS: tuple[str, ...] = (
    "Mill Brae", "Station Road", "Kirk Wynd", "Burnside Crescent", "Heather Drive", "Loanhead Terrace",
    "Castle View", "Rowan Court", "Harbour Street", "Birchwood Avenue", "Braehead Place", "Quarry Road",
    "Glebe Gardens", "Willow Grove", "Market Close", "Thistle Way", "Craigview Road", "Bank Street",
)

# Workers in the council, the health board, schools, police and SCRA (all invented).
SOCIAL_WORKERS: tuple[str, ...] = (
    "Morag Lindsay", "Callum Drysdale", "Aileen Forsyth", "Stuart McAra", "Priya Nair", "Fiona Baird",
)
SOCIAL_WORK_TEAMS: tuple[str, ...] = ("Children and Families North", "Children and Families South", "Throughcare")
HEALTH_VISITORS: tuple[str, ...] = ("Jean Halliday", "Lorna Petrie", "Ewan Gilchrist", "Mairi Sutherland")
CAMHS_CLINICIANS: tuple[str, ...] = ("Dr Alasdair Kerr", "Dr Ruth Okafor", "Gillian Moffat")
HEAD_TEACHERS: tuple[str, ...] = ("Mrs Sandra Cairns", "Mr David Imrie", "Ms Helen Yule", "Mr Graham Shand")
GUIDANCE_TEACHERS: tuple[str, ...] = ("Mr Kenneth Lyall", "Ms Anna Wishart", "Mrs Elspeth Gow")


def town_by_name(name: str) -> Town:
    """The Town record for a town name."""
    return next(t for t in TOWNS if t.name == name)


def home_postcode(rng: random.Random, town: Town) -> str:
    """A well-formed, fictional postcode in a Glenmorven town, e.g. "GV3 4XT"."""
    return f"{HOME_AREA}{town.district} {_inward(rng)}"


def former_postcode(rng: random.Random) -> str:
    """A postcode in the neighbouring (also fictional) council area a family moved from."""
    return f"{FORMER_AREA}{rng.randint(1, 9)} {_inward(rng)}"


def street_address(rng: random.Random) -> str:
    """A house number and street."""
    return f"{rng.randint(1, 120)} {rng.choice(STREETS)}"


def _inward(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
