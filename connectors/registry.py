"""Read, validate and build the connectors config (`config/connectors.toml`).

Each `[agencies.<key>]` table names a `kind`; the kind's pydantic model (connectors.config) checks the
table and its kind builds the connector (connectors.kinds). Validation happens once the file is read,
so a bad file stops the portal at start-up with every problem named: file, table and key.

Credentials never live in the file: a key ending `_env` names an environment variable, read when the
connector is built. Other strings may use `${VAR}` or `${VAR:-default}` so tests can point the same
file at other ports and directories.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import BaseModel, Tag, TypeAdapter, ValidationError

from connectors.base import CallTiming, Connector
from connectors.config.agency import AgencyConfig, Defaults
from connectors.config.base import tagged_by
from connectors.config.problems import describe, expand, validate
from connectors.errors import ConfigurationError
from connectors.kinds import BuildContext, ConnectorKind, connector_kinds, register_kind

__all__ = ["ConnectorsConfig", "Registry", "build_connector", "build_registry", "load_registry", "read_config",
           "register_kind", "registered_kinds", "unset_variables", "validate_document", "with_defaults"]
_TOP_LEVEL = ("defaults", "agencies")


def registered_kinds() -> frozenset[str]:
    """The kinds a config file may name."""
    return frozenset(connector_kinds())


@dataclass
class Registry:
    """The connectors the portal gathers from, in configuration order."""

    connectors: list[Connector]

    def get(self, agency: str) -> Connector:
        """The connector for an agency key; KeyError when none is configured."""
        for connector in self.connectors:
            if connector.agency == agency:
                return connector
        raise KeyError(agency)

    def close(self) -> None:
        """Release every connector's connections."""
        for connector in self.connectors:
            connector.close()


@dataclass(frozen=True)
class ConnectorsConfig:
    """A validated connectors file: every agency table, enabled or not, in file order."""

    agencies: dict[str, AgencyConfig]
    defaults: Defaults = field(default_factory=lambda: Defaults())

    @property
    def enabled(self) -> dict[str, AgencyConfig]:
        return {key: table for key, table in self.agencies.items() if table.enabled}


def read_config(path: Path, env: Mapping[str, str]) -> ConnectorsConfig:
    """Read and validate a connectors TOML file; ConfigurationError names the file, then table and key."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigurationError(f"connectors config not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"connectors config {path} is not valid TOML: {e}") from e
    try:
        return validate_document(document, env)
    except ConfigurationError as e:
        raise ConfigurationError("\n".join(f"{path}: {line}" for line in e.reason.splitlines())) from None


def unset_variables(config: ConnectorsConfig, env: Mapping[str, str]) -> list[str]:
    """Every `<key>_env` an enabled agency names whose variable is unset or empty (checked at start in production)."""
    found: list[str] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                item = getattr(value, name)
                if name.endswith("_env") and isinstance(item, str) and not env.get(item):
                    found.append(f"{where}.{name}: environment variable {item!r} is not set")
                walk(item, f"{where}.{name}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")

    for agency, table in config.enabled.items():
        walk(table, f"agencies.{agency}")
    return found


def load_registry(path: Path, env: Mapping[str, str], *,
                  on_call: Callable[[CallTiming], None] | None = None) -> Registry:
    """The connectors a file describes; raises ConfigurationError naming the file, agency and key at fault."""
    config = read_config(path, env)
    try:
        return build_registry(config, env, on_call=on_call)
    except ConfigurationError as e:
        raise ConfigurationError(f"{path}: {e.reason}") from e


def validate_document(document: Mapping[str, Any], env: Mapping[str, str]) -> ConnectorsConfig:
    """Check a parsed config: every problem in every table, one per line."""
    problems = [f"'{key}' is not a known top-level table (known: {', '.join(_TOP_LEVEL)})"
                for key in document if key not in _TOP_LEVEL]
    defaults = Defaults()
    try:
        defaults = validate(Defaults, expand(document.get("defaults", {}), env, "defaults"), "defaults")
    except ConfigurationError as e:
        problems.extend(e.reason.splitlines())
    agencies = document.get("agencies")
    if not isinstance(agencies, Mapping) or not agencies:
        problems.append("at least one [agencies.<key>] table is required")
        agencies = {}
    kinds = connector_kinds()
    adapter = _agency_adapter(kinds)
    validated: dict[str, AgencyConfig] = {}
    for agency, table in agencies.items():
        try:
            validated[agency] = _validate_agency(agency, table, document.get("defaults", {}), env, kinds, adapter)
        except ConfigurationError as e:
            problems.extend(e.reason.splitlines())
    if problems:
        raise ConfigurationError("\n".join(problems))
    return ConnectorsConfig(agencies=validated, defaults=defaults)


def build_registry(config: ConnectorsConfig | Mapping[str, Any], env: Mapping[str, str], *,
                   on_call: Callable[[CallTiming], None] | None = None) -> Registry:
    """Build the enabled agencies' connectors from a validated config (or a parsed document, validated first)."""
    if not isinstance(config, ConnectorsConfig):
        config = validate_document(config, env)
    kinds = connector_kinds()
    connectors: list[Connector] = []
    try:
        for agency, table in config.enabled.items():
            connectors.append(_build(kinds[table.kind], table, BuildContext(agency, env, on_call)))
    except ConfigurationError:
        for built in connectors:
            built.close()
        raise
    return Registry(connectors)


def build_connector(agency: str, table: Mapping[str, Any], env: Mapping[str, str], *,
                    on_call: Callable[[CallTiming], None] | None = None) -> Connector:
    """One connector from a raw agency table (defaults already merged): validated, then built."""
    kinds = connector_kinds()
    config = _validate_agency(agency, table, {}, env, kinds, _agency_adapter(kinds))
    return _build(kinds[config.kind], config, BuildContext(agency, env, on_call))


def with_defaults(table: Mapping[str, Any], defaults: Mapping[str, Any],
                  kinds: Mapping[str, ConnectorKind[Any]] | None = None) -> dict[str, Any]:
    """`table` with the `[defaults]` its kind has a key for and does not set itself."""
    kind = (connector_kinds() if kinds is None else kinds).get(str(table.get("kind")))
    if kind is None:
        return dict(table)
    keys = {info.alias or name for name, info in kind.model.model_fields.items()}
    return {**{k: v for k, v in defaults.items() if k in keys}, **table}


def _validate_agency(agency: str, table: Any, defaults: Mapping[str, Any], env: Mapping[str, str],
                     kinds: Mapping[str, ConnectorKind[Any]], adapter: TypeAdapter[AgencyConfig]) -> AgencyConfig:
    where = f"agencies.{agency}"
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where} must be a table")
    merged = expand(with_defaults(table, defaults if isinstance(defaults, Mapping) else {}, kinds), env, where)
    try:
        return adapter.validate_python(merged, context={"agency": agency})
    except ValidationError as e:
        raise ConfigurationError("\n".join(dict.fromkeys(describe(d, where) for d in e.errors()))) from None


def _agency_adapter(kinds: Mapping[str, ConnectorKind[Any]]) -> TypeAdapter[AgencyConfig]:
    """A discriminated union on `kind` over every kind's model (built-in and installed)."""
    members: Any = None
    for name, kind in kinds.items():
        member = cast(Any, Annotated)[kind.model, Tag(f"={name}")]
        members = member if members is None else members | member
    union = cast(Any, Annotated)[members, tagged_by("kind", tuple(kinds))]
    return cast(TypeAdapter[AgencyConfig], TypeAdapter(union))


def _build(kind: ConnectorKind[Any], config: AgencyConfig, context: BuildContext) -> Connector:
    try:
        return kind.build(config, context)
    except ConfigurationError:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise ConfigurationError(f"{context.where}: invalid setting ({e})") from e
