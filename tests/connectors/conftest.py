"""Fake agencies on loopback for the connector tests (started per test module, faults cleared per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.fake_rest import EducationAgency, PoliceAgency


@pytest.fixture(scope="module")
def education_agency() -> Iterator[EducationAgency]:
    agency = EducationAgency(api_key="test-education-key").start()
    yield agency
    agency.stop()


@pytest.fixture(scope="module")
def police_agency() -> Iterator[PoliceAgency]:
    agency = PoliceAgency(client_id="portal-test", client_secret="test-police-secret").start()
    yield agency
    agency.stop()
