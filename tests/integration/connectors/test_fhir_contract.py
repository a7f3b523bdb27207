"""The connector contract, run against the demo config's health table on a fake FHIR server with Synthea data."""

from __future__ import annotations

import pytest

from connectors.testing import ConnectorContract
from tests.integration.connectors.conftest import KNOWN_CHI
from tests.integration.connectors.fake_fhir import FhirAgency
from tests.integration.connectors.sources import HealthSource


class TestHealthContract(ConnectorContract):
    @pytest.fixture
    def source(self, health_agency: FhirAgency):
        health_agency.clear()
        yield HealthSource(health_agency, KNOWN_CHI)
        health_agency.clear()
