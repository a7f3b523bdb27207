"""Fixtures for the access-policy tests: a fixed clock, the demo agreements and an in-memory database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

import portal.data.break_glass  # noqa: F401  (registers the table)
import portal.data.relationships  # noqa: F401  (registers the table)
from portal.access.agreements import Agreements, load_agreements
from portal.data.base import Base
from portal.data.models import Organisation, User
from portal.extensions import make_engine
from tests.support.policy_fixtures import DEMO_AGREEMENTS


@pytest.fixture(scope="session")
def demo_agreements() -> Agreements:
    return load_agreements(DEMO_AGREEMENTS, today=date(2026, 11, 22))


@pytest.fixture
def session() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as db_session:
        yield db_session
    engine.dispose()


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    """Two health visitors in one team, a teacher in another organisation, and an admin."""
    hv_team = Organisation(agency="health", name="NHS Fife", team="NHS Fife Health Visiting")
    school = Organisation(agency="education", name="Fife Council Education", team="Lochgelly High School")
    portal_team = Organisation(agency="portal", name="Portal", team="Administration")
    session.add_all([hv_team, school, portal_team])
    session.flush()
    users = {
        "hv": User(username="hv.one", display_name="HV One", role="practitioner", organisation_id=hv_team.id),
        "hv2": User(username="hv.two", display_name="HV Two", role="practitioner", organisation_id=hv_team.id),
        "teacher": User(username="teacher", display_name="Teacher", role="practitioner", organisation_id=school.id),
        "admin": User(username="admin", display_name="Admin", role="admin", organisation_id=portal_team.id),
    }
    session.add_all(users.values())
    session.flush()
    return users
