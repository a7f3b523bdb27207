"""Relationship and break-glass records and their queries, on an in-memory database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access.decision import Requester
from portal.access.policy import decide
from portal.data.break_glass import (
    BreakGlassError,
    active_break_glass,
    break_glass_for_decision,
    end_break_glass,
    start_break_glass,
)
from portal.data.models import User
from portal.data.relationships import (
    Relationship,
    RelationshipError,
    active_relationship,
    add_relationship,
    end_relationship,
    list_relationships,
    relationship_for_decision,
)
from tests.support.policy_fixtures import CHI, NOW, requester, small_agreements

OTHER_CHI = "0202151007"


def add_for(session: Session, user: User, **overrides: object) -> Relationship:
    values: dict[str, object] = {"child_chi": CHI, "basis": "health_visitor", "starts_at": NOW - timedelta(days=10),
                                 "user_id": user.id}
    values.update(overrides)
    return add_relationship(session, **values)  # type: ignore[arg-type]


def test_user_relationship_is_active_only_for_that_user_and_child(session: Session, people: dict[str, User]) -> None:
    add_for(session, people["hv"])

    assert active_relationship(session, people["hv"], CHI, NOW) is not None
    assert active_relationship(session, people["hv2"], CHI, NOW) is None
    assert active_relationship(session, people["hv"], OTHER_CHI, NOW) is None


def test_team_relationship_covers_everyone_in_the_team(session: Session, people: dict[str, User]) -> None:
    add_for(session, people["hv"], user_id=None, organisation_id=people["hv"].organisation_id,
            basis="team_around_child")

    for name, expected in [("hv", True), ("hv2", True), ("teacher", False)]:
        found = active_relationship(session, people[name], CHI, NOW)
        assert (found is not None) is expected, name
    assert active_relationship(session, people["hv2"], CHI, NOW).as_basis().holder == "team"  # type: ignore[union-attr]


def test_personal_relationship_is_preferred_over_the_team_one(session: Session, people: dict[str, User]) -> None:
    add_for(session, people["hv"], user_id=None, organisation_id=people["hv"].organisation_id,
            basis="team_around_child", starts_at=NOW - timedelta(days=1))
    add_for(session, people["hv"], basis="named_person", starts_at=NOW - timedelta(days=100))

    assert active_relationship(session, people["hv"], CHI, NOW).basis == "named_person"  # type: ignore[union-attr]


def test_relationship_is_active_between_start_and_end_only(session: Session, people: dict[str, User]) -> None:
    relationship = add_for(session, people["hv"], ends_at=NOW + timedelta(days=1))

    assert active_relationship(session, people["hv"], CHI, NOW - timedelta(days=11)) is None  # before start
    assert active_relationship(session, people["hv"], CHI, NOW) is not None
    assert active_relationship(session, people["hv"], CHI, relationship.ends_at) is None  # the end is exclusive


def test_cp_enquiry_must_have_an_end(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(RelationshipError, match="must have an end date"):
        add_for(session, people["hv"], basis="cp_enquiry")

    # The database refuses it too, whoever writes the row.
    session.add(Relationship(child_chi=CHI, holder_type="user", user_id=people["hv"].id, basis="cp_enquiry",
                             source="admin", starts_at=NOW))
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"child_chi": "12345"}, "10 digits"),
        ({"basis": "neighbour"}, "unknown basis"),
        ({"organisation_id": 1}, "exactly one user or one team"),
        ({"ends_at": NOW - timedelta(days=20)}, "end must be after the start"),
        ({"source": "gossip"}, "unknown source"),
    ],
)
def test_invalid_relationships_are_refused_with_a_reason(
    session: Session, people: dict[str, User], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(RelationshipError, match=message):
        add_for(session, people["hv"], **overrides)


def test_relationship_reported_by_a_source_keeps_its_source(session: Session, people: dict[str, User]) -> None:
    add_for(session, people["hv"], basis="allocated_worker", source="source:social_work")
    basis = relationship_for_decision(session, people["hv"], CHI, NOW)
    assert basis is not None and basis.source == "source:social_work"


def test_end_relationship_stops_access_and_never_extends(session: Session, people: dict[str, User]) -> None:
    relationship = add_for(session, people["hv"], ends_at=NOW + timedelta(days=5))

    end_relationship(session, relationship.id, NOW)
    assert active_relationship(session, people["hv"], CHI, NOW) is None
    end_relationship(session, relationship.id, NOW + timedelta(days=30))
    assert relationship.is_active(NOW + timedelta(days=1)) is False
    with pytest.raises(RelationshipError):
        end_relationship(session, 9999, NOW)


def test_expired_relationship_is_given_to_decide_so_the_refusal_says_so(
    session: Session, people: dict[str, User]
) -> None:
    add_for(session, people["hv"], ends_at=NOW - timedelta(days=2))

    basis = relationship_for_decision(session, people["hv"], CHI, NOW)
    decision = decide(requester(), CHI, "child_protection", basis, None, small_agreements(), NOW)

    assert basis is not None and not basis.is_active(NOW)
    assert not decision.allowed and "ended on 20 Nov 2026" in decision.reason


def test_list_relationships_filters_by_child_holder_and_time(session: Session, people: dict[str, User]) -> None:
    add_for(session, people["hv"])
    add_for(session, people["hv"], child_chi=OTHER_CHI, ends_at=NOW - timedelta(days=1))
    add_for(session, people["teacher"], basis="named_person")

    assert len(list_relationships(session, child_chi=CHI)) == 2
    assert len(list_relationships(session, user=people["hv"])) == 2
    assert len(list_relationships(session, user=people["hv"], active_at=NOW)) == 1


# ------------------------------------------------------------------ break-glass


def test_break_glass_lasts_sixty_minutes_by_default(session: Session, people: dict[str, User]) -> None:
    grant = start_break_glass(session, people["teacher"], CHI, "immediate_risk", "Disclosure in class today", NOW)

    assert grant.expires_at - grant.started_at == timedelta(minutes=60)
    assert active_break_glass(session, people["teacher"], CHI, NOW + timedelta(minutes=59)) is not None
    assert active_break_glass(session, people["teacher"], CHI, NOW + timedelta(minutes=60)) is None
    assert active_break_glass(session, people["teacher"], OTHER_CHI, NOW) is None
    assert active_break_glass(session, people["hv"], CHI, NOW) is None


def test_break_glass_expiry_turns_an_allow_into_a_refusal(session: Session, people: dict[str, User]) -> None:
    teacher = people["teacher"]
    start_break_glass(session, teacher, CHI, "immediate_risk", "Disclosure in class today", NOW)
    # The small agreement set shares health data with health staff, so the grant holder works in health here.
    who = Requester(teacher.id, "practitioner", "health", "Ward 4")

    during = decide(who, CHI, "emergency", None, break_glass_for_decision(session, teacher, CHI, NOW),
                    small_agreements(), NOW)
    later = NOW + timedelta(minutes=61)
    after = decide(who, CHI, "emergency", None, break_glass_for_decision(session, teacher, CHI, later),
                   small_agreements(), later)

    assert during.allowed and during.under_break_glass
    assert not after.allowed and "ended at 11:00 UTC" in after.reason


def test_starting_again_while_active_does_not_extend(session: Session, people: dict[str, User]) -> None:
    first = start_break_glass(session, people["teacher"], CHI, "immediate_risk", "Disclosure in class today", NOW)
    again = start_break_glass(session, people["teacher"], CHI, "out_of_hours", "Still need it for the call",
                              NOW + timedelta(minutes=50))
    assert again.id == first.id and again.expires_at == first.expires_at


def test_ending_break_glass_early(session: Session, people: dict[str, User]) -> None:
    grant = start_break_glass(session, people["teacher"], CHI, "immediate_risk", "Disclosure in class today", NOW)

    with pytest.raises(BreakGlassError):
        end_break_glass(session, grant.id, NOW, user=people["hv"])  # not theirs
    end_break_glass(session, grant.id, NOW + timedelta(minutes=5), user=people["teacher"])

    assert active_break_glass(session, people["teacher"], CHI, NOW + timedelta(minutes=6)) is None
    assert grant.as_break_glass().finished_at() == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("reason", "justification", "minutes", "message"),
    [
        ("curiosity", "I would like to look", 60, "choose a reason"),
        ("immediate_risk", "   x   ", 60, "explain why"),
        ("immediate_risk", "Disclosure in class today", 0, "between 1 minute and 4 hours"),
        ("immediate_risk", "Disclosure in class today", 241, "between 1 minute and 4 hours"),
    ],
)
def test_break_glass_needs_a_coded_reason_a_justification_and_a_sane_duration(
    session: Session, people: dict[str, User], reason: str, justification: str, minutes: int, message: str
) -> None:
    with pytest.raises(BreakGlassError, match=message):
        start_break_glass(session, people["teacher"], CHI, reason, justification, NOW,
                          duration=timedelta(minutes=minutes))
    assert active_break_glass(session, people["teacher"], CHI, NOW) is None
