"""The one-statement read of an access decision's basis chooses as the ORM queries do, on an in-memory database.

`read_access_basis` replaced `relationship_for_decision` + `break_glass_for_decision` on every view; both are
still the reference. Each case records relationships and grants, then asks both at moments before, during and
after them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.data.access_basis import read_access_basis
from portal.data.break_glass import BreakGlassGrant, break_glass_for_decision
from portal.data.models import User
from portal.data.relationships import add_relationship, relationship_for_decision
from tests.support.policy_fixtures import CHI, NOW

OTHER_CHI = "0202151007"
DAY = timedelta(days=1)
MOMENTS = [NOW - 40 * DAY, NOW - 12 * DAY, NOW - 5 * DAY, NOW, NOW + 3 * DAY, NOW + 40 * DAY]


def _relationships(session: Session, people: dict[str, User], case: str) -> None:
    hv, team = people["hv"], people["hv"].organisation_id
    rows: dict[str, list[dict[str, object]]] = {
        "none": [],
        "personal": [dict(user_id=hv.id, starts_at=NOW - 10 * DAY)],
        "team_newer_than_personal": [dict(user_id=hv.id, starts_at=NOW - 20 * DAY, basis="named_person"),
                                     dict(organisation_id=team, starts_at=NOW - 2 * DAY)],
        "ended_then_renewed": [dict(user_id=hv.id, starts_at=NOW - 30 * DAY, ends_at=NOW - 10 * DAY),
                               dict(user_id=hv.id, starts_at=NOW - 4 * DAY, ends_at=NOW + 2 * DAY,
                                    basis="cp_enquiry")],
        "same_start": [dict(user_id=hv.id, starts_at=NOW - 10 * DAY, basis="named_person"),
                       dict(user_id=hv.id, starts_at=NOW - 10 * DAY, basis="allocated_worker")],
        "someone_elses": [dict(user_id=people["teacher"].id, starts_at=NOW - 10 * DAY),
                          dict(user_id=hv.id, starts_at=NOW - 10 * DAY, child_chi=OTHER_CHI)],
        "future_only": [dict(organisation_id=team, starts_at=NOW + 1 * DAY, source="import")],
    }
    for values in rows[case]:
        add_relationship(session, **{"child_chi": CHI, "basis": "health_visitor", **values})  # type: ignore[arg-type]


def _grants(session: Session, people: dict[str, User], case: str) -> None:
    hv = people["hv"]
    rows: dict[str, list[tuple[timedelta, timedelta, timedelta | None]]] = {  # started, lasting, ended after
        "none": [],
        "active": [(-timedelta(minutes=10), timedelta(hours=1), None)],
        "ended_early_then_again": [(-DAY, timedelta(hours=1), timedelta(minutes=5)),
                                   (-timedelta(minutes=1), timedelta(hours=1), None)],
        "ended_early": [(-timedelta(minutes=30), timedelta(hours=1), timedelta(minutes=5))],
        "expired": [(-5 * DAY, timedelta(hours=4), None), (-12 * DAY, timedelta(hours=1), None)],
    }
    for started, lasting, ended in rows[case]:
        session.add(BreakGlassGrant(user_id=hv.id, child_chi=CHI, reason_code="immediate_risk",
                                    started_at=NOW + started, expires_at=NOW + started + lasting,
                                    ended_at=None if ended is None else NOW + started + ended))
    session.add(BreakGlassGrant(user_id=people["teacher"].id, child_chi=CHI, reason_code="immediate_risk",
                                started_at=NOW - DAY, expires_at=NOW + DAY))
    session.flush()


@pytest.mark.parametrize("grants", ["none", "active", "ended_early_then_again", "ended_early", "expired"])
@pytest.mark.parametrize("relationships", ["none", "personal", "team_newer_than_personal", "ended_then_renewed",
                                           "same_start", "someone_elses", "future_only"])
def test_one_statement_chooses_what_the_orm_queries_choose(session: Session, people: dict[str, User],
                                                           relationships: str, grants: str) -> None:
    _relationships(session, people, relationships)
    _grants(session, people, grants)
    hv = people["hv"]
    for moment in [*MOMENTS, NOW - timedelta(minutes=1), NOW - DAY + timedelta(minutes=30)]:
        expected = (relationship_for_decision(session, hv, CHI, moment),
                    break_glass_for_decision(session, hv, CHI, moment))
        assert read_access_basis(session.connection(), hv, CHI, moment) == expected


def test_a_personal_relationship_is_chosen_over_a_newer_team_one(session: Session, people: dict[str, User]) -> None:
    _relationships(session, people, "team_newer_than_personal")
    relationship, grant = read_access_basis(session.connection(), people["hv"], CHI, NOW)
    assert (relationship is not None, grant) == (True, None)
    assert (relationship.holder, relationship.basis) == ("user", "named_person")  # type: ignore[union-attr]


def test_an_ended_relationship_is_still_given_so_the_refusal_can_say_so(session: Session,
                                                                        people: dict[str, User]) -> None:
    _relationships(session, people, "ended_then_renewed")
    relationship, _ = read_access_basis(session.connection(), people["hv"], CHI, NOW + 3 * DAY)
    assert relationship is not None
    assert (relationship.basis, relationship.is_active(NOW + 3 * DAY)) == ("cp_enquiry", False)
