"""The masking rules of a meeting's shared screen, item kind by item kind and label by label."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.models import ChronologyEvent, KeyFact, ThirdParty
from portal.meetings.masking import MeetingMask, mask, substitute_text, substitutes

PARTNER = ThirdParty("Darren Kerr", "Mother's former partner")
SIBLING = ThirdParty("Ava Gillespie", "Sibling")
FAMILY = MeetingMask(family_present=True, key=b"meeting-1", child_names=("Ella Gillespie",))
PROFESSIONALS = MeetingMask(family_present=False, key=b"meeting-1")


def event(record_id: str, agency: str = "social_work", **fields: object) -> ChronologyEvent:
    values: dict = {"title": "Family engaged with support", "summary": "Mother attending sessions.",
                    "category": "sw_events", "event_date": date(2025, 3, 12)}
    values.update(fields)
    return ChronologyEvent(agency=agency, source_system="system", source_record_id=record_id, **values)


def fact(field: str, value: str, agency: str = "social_work", **fields: object) -> KeyFact:
    return KeyFact(field=field, value=value, agency=agency, source_system="system", **fields)  # type: ignore[arg-type]


def shown_ids(events: tuple[ChronologyEvent, ...]) -> list[str]:
    return [e.source_record_id for e in events]


@pytest.mark.parametrize(("label", "reason"), [("R", "restricted"), ("V", "very_restricted"), ("X", "restricted")])
def test_restricted_items_are_removed_not_tagged(label: str, reason: str) -> None:
    masked = mask([event("ok"), event("labelled", security_label=label)], [], FAMILY)
    assert shown_ids(masked.events) == ["ok"]
    assert [(w.record_id, w.reasons) for w in masked.withheld] == [("labelled", (reason,))]


def test_items_the_source_marked_not_for_the_family_are_removed() -> None:
    masked = mask([event("nopat", agency="health", category="health_conditions", not_for_family=True)], [], FAMILY)
    assert masked.events == ()
    assert masked.withheld[0].reason_text == "Marked by its source as not for the child or family"


def test_third_party_information_is_removed_with_the_name_it_holds() -> None:
    about_sibling = event("sib", summary="Ava Gillespie referred to clinic.", third_party=True,
                          third_parties=(SIBLING,))
    masked = mask([about_sibling, event("ok")], [], FAMILY)
    assert shown_ids(masked.events) == ["ok"]
    assert "Ava" not in repr(masked.events)


def test_police_narratives_become_a_dated_line_with_nothing_they_said() -> None:
    report = event("CR-1", agency="police", category="police_concerns", title="Police concern report: Domestic abuse",
                   summary="Police attended a disturbance. Partner arrested.", action="Shared with partners.",
                   author_role="Constable")
    masked = mask([report], [], FAMILY)
    (shown,) = masked.events
    assert shown.title == "Police concern recorded, 12 March 2025"
    assert (shown.summary, shown.action, shown.author_role) == ("", None, None)
    assert masked.withheld[0].reason == "police_narrative"  # the chair may still reveal the narrative


def test_other_peoples_names_addresses_and_do_not_inform_lists_are_left_out() -> None:
    facts = [fact("address", "12 Main Street, Kilbrae"), fact("family_contacts", "John Gillespie (Father)"),
             fact("do_not_inform", "Birth father: do not give information"), fact("childs_plan", "Plan (active)"),
             fact("police_cp_flag", "Child protection flag set", agency="police", category="police_cp_flag"),
             fact("conditions", "Anxiety", agency="health", not_for_family=True)]
    masked = mask([], facts, FAMILY)
    assert [f.field for f in masked.facts] == ["childs_plan"]


def test_names_in_what_remains_become_a_role_substitute() -> None:
    plan = event("SEV-1", summary="Darren Kerr is not to have contact; Mr Kerr told by letter.",
                 action="Darren to use the refuge's contact route.", third_parties=(PARTNER,))
    (shown,) = mask([plan], [], FAMILY).events
    assert shown.summary == "Adult A is not to have contact; Mr Adult A told by letter."
    assert shown.action == "Adult A to use the refuge's contact route."
    assert "Darren" not in repr(shown) and "Kerr" not in repr(shown)


def test_the_childs_own_surname_is_not_substituted_when_a_third_party_shares_it() -> None:
    text = substitute_text("Ava Gillespie and Ella Gillespie at clinic", {"Ava Gillespie": "Child A"},
                           ("Ella Gillespie",))
    assert text == "Child A and Ella Gillespie at clinic"


def test_a_substitute_is_stable_within_a_meeting_and_differs_between_meetings() -> None:
    people = [ThirdParty(f"Person{n} Surname{n}", "Adult known to the family") for n in range(8)]
    items = [event(f"e{n}", third_parties=(p,)) for n, p in enumerate(people)]
    first = substitutes(items, b"meeting-1")
    again = substitutes(list(reversed(items)), b"meeting-1")  # another page, another order: same letters
    assert first == again
    assert sorted(first.values()) == [f"Adult {letter}" for letter in "ABCDEFGH"]
    other_meeting = substitutes(items, b"meeting-2")
    assert other_meeting != first  # 8 people: the same order by chance is 1 in 40,320


def test_substitutes_differ_between_children_in_different_meetings() -> None:
    one_child = [event("a", third_parties=(PARTNER, ThirdParty("Kim Lowe", "Neighbour"),
                                           ThirdParty("Sam Fyfe", "Grandparent")))]
    letters = {frozenset(substitutes(one_child, f"meeting-{n}".encode()).items()) for n in range(12)}
    assert len(letters) > 1


def test_siblings_get_a_child_substitute() -> None:
    assert substitutes([event("a", third_parties=(SIBLING, PARTNER))], b"k") == {"Ava Gillespie": "Child A",
                                                                                 "Darren Kerr": "Adult A"}


def test_a_revealed_item_is_shown_with_names_still_substituted() -> None:
    report = event("CR-9", agency="police", category="police_concerns", security_label="R", third_party=True,
                   summary="Darren Kerr has previous convictions.", third_parties=(PARTNER,))
    hidden = mask([report], [], FAMILY)
    assert hidden.events == () and hidden.withheld[0].key == ("police", "CR-9")
    assert hidden.withheld[0].reasons == ("restricted", "third_party", "police_narrative")
    revealed = mask([report], [], MeetingMask(True, b"meeting-1", revealed=frozenset({("police", "CR-9")})))
    (shown,) = revealed.events
    assert shown.summary == "Adult A has previous convictions."
    assert revealed.withheld == ()


def test_the_chairs_selection_limits_the_events_shown() -> None:
    settings = MeetingMask(True, b"k", selection=frozenset({("social_work", "b")}))
    assert shown_ids(mask([event("a"), event("b"), event("c")], [], settings).events) == ["b"]


def test_professionals_only_shows_what_the_chairs_access_allows_unchanged() -> None:
    items = [event("r", security_label="R", summary="Darren Kerr convictions", third_parties=(PARTNER,)),
             event("p", agency="police", category="police_concerns", summary="Police attended.")]
    facts = [fact("address", "12 Main Street")]
    masked = mask(items, facts, PROFESSIONALS)
    assert masked.events == tuple(items) and masked.facts == tuple(facts) and masked.withheld == ()
