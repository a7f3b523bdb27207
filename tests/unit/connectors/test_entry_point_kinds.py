"""A connector kind from another installed distribution, found through the `portal.connector_kinds` entry point."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.errors import ConfigurationError
from connectors.kinds import ENTRY_POINT_GROUP
from connectors.models import PersonQuery
from connectors.registry import build_registry, read_config, registered_kinds

PLUGIN = '''
"""A third party's connector kind: a housing system that answers from a fixed list."""
from typing import Literal

from pydantic import Field

from connectors.base import Connector
from connectors.config import AgencyConfig, Text
from connectors.kinds import BuildContext, ConnectorKind
from connectors.models import PersonRecord, SourceRecords


class HousingConfig(AgencyConfig):
    kind: Literal["housing_list"] = Field(description="`housing_list`.")
    tenancy_officer: Text = Field(description="Who to contact.")


class HousingConnector(Connector):
    def __init__(self, config: HousingConfig, context: BuildContext) -> None:
        for key, value in context.common(config).items():
            setattr(self, key, value)
        self.tenancy_officer = config.tenancy_officer

    def find_people(self, query, *, deadline):
        return [PersonRecord(self.agency, "h-1")] if query.chi == "1503741206" else []

    def fetch_records(self, person, categories, *, deadline):
        return SourceRecords()


KIND = ConnectorKind("housing_list", HousingConfig, HousingConnector)
'''

CONFIG = """
[agencies.housing_north]
kind = "housing_list"
display_name = "Glenmorven housing"
source_system = "Tenancy list"
domain = "scra"
tenancy_officer = "${OFFICER:-Duty officer}"
"""


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`housing_kind` as an installed distribution: its module and a .dist-info declaring the entry point."""
    site = tmp_path / "site"
    (site / "housing_kind").mkdir(parents=True)
    (site / "housing_kind" / "__init__.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "housing_kind-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: housing-kind\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nhousing_list = housing_kind:KIND\n",
                                           encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("housing_kind", None)


def test_an_installed_kind_is_found_and_builds_a_connector_from_config(installed_plugin: Path,
                                                                         tmp_path: Path) -> None:
    assert "housing_list" in registered_kinds()
    path = tmp_path / "connectors.toml"
    path.write_text(CONFIG, encoding="utf-8")
    registry = build_registry(read_config(path, {}), {})
    connector = registry.get("housing_north")
    assert type(connector).__name__ == "HousingConnector"
    assert connector.tenancy_officer == "Duty officer"  # type: ignore[attr-defined]
    assert (connector.display_name, connector.domain) == ("Glenmorven housing", "scra")
    assert connector.categories == frozenset({"scra_referrals", "scra_hearings", "scra_orders"})
    assert [p.source_id for p in connector.find_people(PersonQuery(chi="1503741206"), deadline=1e12)] == ["h-1"]


def test_an_installed_kind_s_table_is_validated_like_the_built_in_ones(installed_plugin: Path,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text(CONFIG.replace("tenancy_officer", "officer"), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        read_config(path, {})
    assert f"{path}: agencies.housing_north: 'tenancy_officer' is required" in caught.value.reason
    assert f"{path}: agencies.housing_north: 'officer' is not a known key" in caught.value.reason


def test_without_the_distribution_the_kind_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"agencies\.housing_north\.kind: 'housing_list' is not a known kind"):
        read_config(path, {})
