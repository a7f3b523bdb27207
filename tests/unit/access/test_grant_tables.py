"""The per-kind-of-requester grant tables are cached: a cached answer must be the answer for these agreements."""

from __future__ import annotations

from portal.access.grant_tables import build_grant_tables, grant_tables
from portal.access.policy import decide
from portal.access.purposes import PURPOSES
from tests.support.policy_fixtures import (
    CHI,
    NOW,
    SMALL_AGREEMENTS,
    grant,
    parse_agreements,
    relationship,
    requester,
    small_agreements,
)


def test_a_cached_table_equals_one_built_afresh() -> None:
    agreements = small_agreements()
    for who in (requester("practitioner"), requester("lead_professional"), requester(team="Other team")):
        for break_glass in (False, True):
            first = grant_tables(who, PURPOSES["emergency"], agreements, break_glass)
            again = grant_tables(who, PURPOSES["emergency"], agreements, break_glass)
            assert again is first
            assert again == build_grant_tables(who, PURPOSES["emergency"], agreements, break_glass)


def test_other_agreements_are_never_answered_from_the_first_ones_tables() -> None:
    wider = small_agreements()
    narrower = parse_agreements(SMALL_AGREEMENTS.replace('categories = ["police_concerns"]',
                                                         'categories = ["police_cp_flag"]'), "narrower.toml")
    before = decide(requester(), CHI, "child_protection", relationship(), None, wider, NOW)
    after = decide(requester(), CHI, "child_protection", relationship(), None, narrower, NOW)

    assert "police_concerns" in before.categories_for("police")
    assert "police_concerns" not in after.categories_for("police")


def test_the_team_and_break_glass_are_part_of_what_is_cached() -> None:
    agreements = small_agreements()
    owner = decide(requester(), CHI, "emergency", relationship(), None, agreements, NOW)
    other_team = decide(requester(team="Other team"), CHI, "emergency", relationship(), None, agreements, NOW)
    glass = decide(requester(), CHI, "emergency", None, grant(), agreements, NOW)

    assert "V" in owner.labels["health"]
    assert "V" not in other_team.labels["health"]
    assert glass.labels["health"] == frozenset({"N"})
