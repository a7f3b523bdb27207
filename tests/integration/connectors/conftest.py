"""Fake agencies on loopback for the connector tests (started per test module, faults cleared per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.connectors.fake_fhir import CHI_OID, FhirAgency, load_patient, synthea_bundle, uk_extras
from tests.integration.connectors.fake_rest import EducationAgency, PoliceAgency


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


KNOWN_CHI = "1503741206"
OTHER_CHI = "0101011237"


@pytest.fixture(scope="module")
def health_agency() -> Iterator[FhirAgency]:
    known_id, known = load_patient(synthea_bundle("Daisey_Johns"), KNOWN_CHI)
    other_id, other = load_patient(synthea_bundle("Luigi_Wiegand"), OTHER_CHI, chi_system=CHI_OID)
    agency = FhirAgency("test-health-token", {known_id: [*known, *uk_extras(known_id)], other_id: other}).start()
    yield agency
    agency.stop()
