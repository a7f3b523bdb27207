"""The connector contract, run against the demo config's social work table on a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.testing import ConnectorContract
from tests.integration.connectors.sql_source import SqlSource


class TestSocialWorkContract(ConnectorContract):
    @pytest.fixture
    def source(self, tmp_path: Path):
        source = SqlSource(tmp_path / "socialwork.db")
        yield source
        source.clear()
