"""Loading the connectors config: the demo file, clear errors, environment indirection, third-party kinds."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import Field

from connectors.base import Connector
from connectors.config import AgencyConfig, Text
from connectors.config.problems import expand
from connectors.errors import ConfigurationError
from connectors.kinds import BuildContext, ConnectorKind
from connectors.models import PersonQuery, PersonRecord, SourceRecords
from connectors.registry import build_registry, load_registry, register_kind, registered_kinds
from tests.integration.connectors.sources import DEMO_CONFIG

DEMO_ENV = {
    "SANDBOX_HEALTH_TOKEN": "t", "SANDBOX_EDUCATION_API_KEY": "e", "SANDBOX_SCRA_API_KEY": "s",
    "SANDBOX_POLICE_CLIENT_ID": "portal", "SANDBOX_POLICE_CLIENT_SECRET": "p",
}


def _agency(**table: Any) -> dict[str, Any]:
    base = {"kind": "rest", "display_name": "Education", "source_system": "Pupil records", "domain": "education",
            "base_url": "http://127.0.0.1:1/api", "connect_timeout": 1.0, "read_timeout": 2.0,
            "auth": {"type": "api_key", "key_env": "EDU_KEY"},
            "people": {"path": "pupils", "list_field": "pupils", "id_field": "pupil_id"}}
    base.update(table)
    return base


def test_demo_config_builds_all_five_agencies_with_their_categories(tmp_path: Path) -> None:
    registry = load_registry(DEMO_CONFIG, {**DEMO_ENV, "SANDBOX_DATA_DIR": str(tmp_path)})
    try:
        assert [c.agency for c in registry.connectors] == ["health", "social_work", "education", "police", "scra"]
        assert registry.get("police").display_name == "Police Scotland"
        assert "health_alerts" in registry.get("health").categories
        with pytest.raises(KeyError):
            registry.get("housing")
    finally:
        registry.close()


def test_urls_follow_environment_overrides_with_defaults(tmp_path: Path) -> None:
    env = {**DEMO_ENV, "SANDBOX_EDUCATION_URL": "http://127.0.0.1:9999/api/v1", "SANDBOX_DATA_DIR": str(tmp_path)}
    registry = load_registry(DEMO_CONFIG, env)
    try:
        assert registry.get("education").http.base_url == "http://127.0.0.1:9999/api/v1"  # type: ignore[attr-defined]
        assert registry.get("scra").http.base_url == "http://127.0.0.1:8105/api/v1"  # type: ignore[attr-defined]
    finally:
        registry.close()


def test_missing_credential_variable_names_agency_key_and_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_registry({"agencies": {"education": _agency()}}, {})
    assert caught.value.reason == "agencies.education.auth.key_env: environment variable 'EDU_KEY' is not set"


def test_a_secret_written_into_the_file_is_refused() -> None:
    table = _agency(auth={"type": "api_key", "key": "s3cret"})
    with pytest.raises(ConfigurationError, match=r"agencies\.education\.auth\.key: credentials must come from"):
        build_registry({"agencies": {"education": table}}, {})


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "soap"}, r"agencies\.education\.kind: 'soap' is not a known kind"),
    ({"read_timeout": 0}, r"agencies\.education\.read_timeout must be a positive number"),
    ({"read_timeout": "fast"}, r"agencies\.education\.read_timeout must be a positive number"),
    ({"base_url": "ftp://x"}, r"agencies\.education\.base_url must be an http\(s\) URL"),
    ({"categories": ["attendance", "cp_register"]}, r"agencies\.education\.categories: not education categories"),
    ({"domain": "housing"}, r"agencies\.education\.domain: 'housing' has no category vocabulary"),
    ({"auth": {"type": "kerberos"}}, r"agencies\.education\.auth\.type"),
    ({"people": {"path": "pupils"}}, r"agencies\.education\.people: 'list_field' is required"),
    ({"collections": [{"name": "a", "path": "p/{id}/a", "categories": ["attendance"],
                       "summary": {"path": "p/{id}/a/summary"}}]}, r"'summary' needs a 'percentage' table"),
    ({"collections": [{"name": "a", "path": "p/{id}/a", "categories": ["attendance"],
                       "percentage": {"field": "attendance", "numerator": "n", "denominator": "d"},
                       "summary": {"path": "p/{id}/a/summary", "below_param": "below"}}]},
     r"'summary\.below_param' needs 'percentage\.event_below_percent'"),
])
def test_invalid_settings_are_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_registry({"agencies": {"education": _agency(**change)}}, {"EDU_KEY": "k"})


def test_disabled_agency_is_left_out() -> None:
    registry = build_registry({"agencies": {"education": _agency(enabled=False),
                                            "also": _agency()}}, {"EDU_KEY": "k"})
    assert [c.agency for c in registry.connectors] == ["also"]
    registry.close()


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text("[agencies.education\nkind = 'rest'", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_registry(path, {})


class _StaticConfig(AgencyConfig):
    """A third party's table: the shared keys plus its own."""

    kind: Literal["static-test"] = Field(description="`static-test`.")
    greeting: Text = Field(description="What the connector says.")


class _StaticConnector(Connector):
    """A third party's connector kind, registered the same way as the built-in ones."""

    def __init__(self, config: _StaticConfig, context: BuildContext) -> None:
        common = context.common(config)
        self.agency, self.domain = common["agency"], common["domain"]
        self.display_name, self.source_system = common["display_name"], common["source_system"]
        self.categories = common["categories"]
        self.greeting = config.greeting

    def find_people(self, query: PersonQuery, *, deadline: float) -> list[PersonRecord]:
        return []

    def fetch_records(self, person: PersonRecord, categories: frozenset[str], *, deadline: float) -> SourceRecords:
        return SourceRecords()


def test_a_third_party_kind_registers_like_the_built_in_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.kinds._REGISTERED", {})  # registered for this test only
    register_kind(ConnectorKind("static-test", _StaticConfig, _StaticConnector))
    assert {"fhir", "rest", "sql", "static-test"} <= registered_kinds()
    registry = build_registry({"agencies": {"scra": {
        "kind": "static-test", "display_name": "Reporter", "source_system": "Test", "greeting": "${GREETING:-hi}",
    }}}, {})
    connector = registry.get("scra")
    assert isinstance(connector, _StaticConnector)
    assert connector.greeting == "hi"
    assert connector.categories == frozenset({"scra_referrals", "scra_hearings", "scra_orders"})


def test_a_default_may_itself_use_a_variable() -> None:
    table = {"url": "${DB_URL:-sqlite:///${DATA_DIR:-instance}/x.db}"}
    assert expand(table, {}, "t") == {"url": "sqlite:///instance/x.db"}
    assert expand(table, {"DATA_DIR": "/srv/d"}, "t") == {"url": "sqlite:////srv/d/x.db"}
    assert expand(table, {"DB_URL": "postgresql://r@h/db"}, "t") == {"url": "postgresql://r@h/db"}


def test_unset_credential_variables_are_listed_before_anything_is_built(tmp_path: Path) -> None:
    from connectors.registry import read_config, unset_variables

    config = read_config(DEMO_CONFIG, {"SANDBOX_DATA_DIR": str(tmp_path)})
    assert unset_variables(config, {**DEMO_ENV, "SANDBOX_SCRA_API_KEY": ""}) == [
        "agencies.scra.auth.key_env: environment variable 'SANDBOX_SCRA_API_KEY' is not set"]
    assert len(unset_variables(config, {})) == 5  # health token, education and SCRA keys, police id and secret
