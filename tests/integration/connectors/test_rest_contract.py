"""The connector contract, run against the demo config's education and police tables on fake agencies."""

from __future__ import annotations

import pytest

from connectors.testing import ConnectorContract
from tests.integration.connectors.fake_rest import EducationAgency, PoliceAgency
from tests.integration.connectors.sources import EducationSource, PoliceSource


class TestEducationContract(ConnectorContract):
    @pytest.fixture
    def source(self, education_agency: EducationAgency):
        education_agency.clear()
        yield EducationSource(education_agency)
        education_agency.clear()


class TestPoliceContract(ConnectorContract):
    @pytest.fixture
    def source(self, police_agency: PoliceAgency):
        police_agency.clear()
        yield PoliceSource(police_agency)
        police_agency.clear()
