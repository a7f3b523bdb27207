"""The relationship and break-glass queries on PostgreSQL (timestamptz, check constraints, savepoints)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.data.base import Base
from portal.data.break_glass import active_break_glass, break_glass_for_decision, end_break_glass, start_break_glass
from portal.data.models import Organisation, User
from portal.data.relationship_import import import_relationships_csv
from portal.data.relationships import Relationship, active_relationship, add_relationship, relationship_for_decision
from portal.extensions import make_engine
from tests.support.policy_fixtures import CHI, NOW
from tests.support.postgres import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with fresh_database("access_test") as url:
        yield url


@pytest.fixture
def pg_session(pg_url: str) -> Iterator[Session]:
    engine = make_engine(pg_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
        session.rollback()
    engine.dispose()


@pytest.fixture
def nurse(pg_session: Session) -> User:
    team = Organisation(agency="health", name="NHS Fife", team="NHS Fife Health Visiting")
    pg_session.add(team)
    pg_session.flush()
    user = User(username="hv.one", display_name="HV One", role="practitioner", organisation_id=team.id)
    pg_session.add(user)
    pg_session.flush()
    return user


def test_relationship_window_and_break_glass_expiry_on_postgres(pg_session: Session, nurse: User) -> None:
    add_relationship(pg_session, child_chi=CHI, basis="health_visitor", starts_at=NOW - timedelta(days=1),
                     ends_at=NOW + timedelta(hours=1), user_id=nurse.id)
    start_break_glass(pg_session, nurse, "0202151007", "out_of_hours", "Called by out-of-hours GP", NOW)

    assert active_relationship(pg_session, nurse, CHI, NOW) is not None
    assert active_relationship(pg_session, nurse, CHI, NOW + timedelta(hours=1)) is None
    assert active_break_glass(pg_session, nurse, "0202151007", NOW + timedelta(minutes=59)) is not None
    assert active_break_glass(pg_session, nurse, "0202151007", NOW + timedelta(minutes=60)) is None


def test_cp_enquiry_without_end_is_refused_by_postgres(pg_session: Session, nurse: User) -> None:
    pg_session.add(Relationship(child_chi=CHI, holder_type="user", user_id=nurse.id, basis="cp_enquiry",
                                source="admin", starts_at=NOW))
    with pytest.raises(IntegrityError):
        pg_session.flush()


def test_csv_import_is_all_or_nothing_on_postgres(pg_session: Session, nurse: User, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "child_chi,basis,holder_type,username,starts_on,ends_on\n"
        f"{CHI},health_visitor,user,hv.one,2026-09-01,\n"
        f"{CHI},health_visitor,user,hv.two,2026-09-01,\n",
        encoding="utf-8",
    )
    report = import_relationships_csv(pg_session, path)

    assert [str(e) for e in report.errors] == ["line 3: no user with username 'hv.two'"]
    assert pg_session.query(Relationship).count() == 0


def test_the_decision_sees_the_grant_in_force_else_the_latest_one(pg_session: Session, nurse: User) -> None:
    child = "0202151007"
    assert break_glass_for_decision(pg_session, nurse, child, NOW) is None
    first = start_break_glass(pg_session, nurse, child, "out_of_hours", "Called by out-of-hours GP", NOW)
    end_break_glass(pg_session, first.id, NOW + timedelta(minutes=10), user=nurse)
    second_starts = NOW + timedelta(minutes=20)
    start_break_glass(pg_session, nurse, child, "out_of_hours", "Called again by the GP later", second_starts,
                      duration=timedelta(minutes=30))
    third_starts = NOW + timedelta(hours=2)
    start_break_glass(pg_session, nurse, child, "out_of_hours", "A third call, after the second expired",
                      third_starts, duration=timedelta(minutes=30))

    during_second = break_glass_for_decision(pg_session, nurse, child, NOW + timedelta(minutes=25))
    assert during_second is not None and during_second.started_at == second_starts
    assert during_second.is_active(NOW + timedelta(minutes=25))
    # Between grants none is in force: the latest (here the third, not yet started) explains the refusal.
    between = break_glass_for_decision(pg_session, nurse, child, NOW + timedelta(minutes=5) + timedelta(hours=1))
    assert between is not None and between.started_at == third_starts and not between.is_active(
        NOW + timedelta(hours=1, minutes=5))
    # The first grant was ended early: at a moment it would otherwise cover, it is not in force.
    after_end = break_glass_for_decision(pg_session, nurse, child, NOW + timedelta(minutes=15))
    assert after_end is not None and not after_end.is_active(NOW + timedelta(minutes=15))


def test_the_one_statement_access_basis_reads_timestamptz_and_nulls_on_postgres(pg_session: Session,
                                                                                nurse: User) -> None:
    from portal.data.access_basis import read_access_basis

    add_relationship(pg_session, child_chi=CHI, basis="health_visitor", starts_at=NOW - timedelta(days=3),
                     ends_at=NOW - timedelta(days=1), user_id=nurse.id)
    add_relationship(pg_session, child_chi=CHI, basis="named_person", starts_at=NOW - timedelta(days=2),
                     organisation_id=nurse.organisation_id)
    start_break_glass(pg_session, nurse, CHI, "out_of_hours", "Called by out-of-hours GP", NOW)
    end_break_glass(pg_session, active_break_glass(pg_session, nurse, CHI, NOW).id, NOW + timedelta(minutes=5))  # type: ignore[union-attr]

    for moment in (NOW - timedelta(days=2, hours=12), NOW, NOW + timedelta(minutes=10), NOW + timedelta(hours=2)):
        relationship, grant = read_access_basis(pg_session.connection(), nurse, CHI, moment)
        assert (relationship, grant) == (relationship_for_decision(pg_session, nurse, CHI, moment),
                                         break_glass_for_decision(pg_session, nurse, CHI, moment))
    relationship, grant = read_access_basis(pg_session.connection(), nurse, CHI, NOW)
    assert relationship is not None and grant is not None
    assert (relationship.holder, grant.ended_at) == ("team", NOW + timedelta(minutes=5))
