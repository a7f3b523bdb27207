"""Build the configured connectors from a TOML file.

Each `[agencies.<key>]` table names a `kind`; a kind is a factory registered in
a table, so a third party's connector kind registers exactly as the built-in
ones do: `register_kind("fhir", http_kind(FhirConnector.from_config))`.

Credentials never live in the file: a key ending `_env` names an environment
variable whose value replaces it (`token_env = "HEALTH_TOKEN"` gives `token`).
Other strings may use `${VAR}` or `${VAR:-default}` so tests can point the
same file at other ports and directories.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.auth import ApiKeyHeader, AuthStrategy, NoAuth, OAuth2ClientCredentials, StaticBearerToken
from connectors.base import CallTiming, Connector, HttpSettings
from connectors.categories import CATEGORIES
from connectors.errors import ConfigurationError
from connectors.fhir import FhirConnector
from connectors.rest import RestConnector
from connectors.sql import SqlConnector

# (agency config with env resolved, common settings the registry validated) -> connector
ConnectorFactory = Callable[[Mapping[str, Any], Mapping[str, Any]], Connector]

_KINDS: dict[str, ConnectorFactory] = {}
# Innermost first: a default may itself hold a ${VAR}, expanded on an earlier pass.
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}$]*))?\}")
_MAX_EXPANSION_PASSES = 5
# Keys that hold secrets: they may only arrive through `<key>_env`.
SECRET_KEYS = frozenset({"token", "key", "api_key", "client_secret", "password", "secret"})


def register_kind(kind: str, factory: ConnectorFactory) -> None:
    """Make `kind = "<kind>"` in the connectors config build connectors with `factory`."""
    _KINDS[kind] = factory


def registered_kinds() -> frozenset[str]:
    """The kinds a config file may name."""
    return frozenset(_KINDS)


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


def load_registry(path: Path, env: Mapping[str, str], *,
                  on_call: Callable[[CallTiming], None] | None = None) -> Registry:
    """Read and validate a connectors TOML file; raises ConfigurationError naming the agency and key at fault."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigurationError(f"connectors config not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"connectors config {path} is not valid TOML: {e}") from e
    return build_registry(document, env, on_call=on_call)


def build_registry(document: Mapping[str, Any], env: Mapping[str, str], *,
                   on_call: Callable[[CallTiming], None] | None = None) -> Registry:
    """Build a Registry from an already-parsed config document."""
    agencies = document.get("agencies")
    if not isinstance(agencies, Mapping) or not agencies:
        raise ConfigurationError("connectors config: at least one [agencies.<key>] table is required")
    defaults = document.get("defaults", {})
    connectors: list[Connector] = []
    try:
        for agency, table in agencies.items():
            if not isinstance(table, Mapping):
                raise ConfigurationError(f"agencies.{agency} must be a table")
            if table.get("enabled", True) is False:
                continue
            connectors.append(build_connector(agency, {**defaults, **table}, env, on_call=on_call))
    except ConfigurationError:
        for built in connectors:
            built.close()
        raise
    return Registry(connectors)


def build_connector(agency: str, table: Mapping[str, Any], env: Mapping[str, str], *,
                    on_call: Callable[[CallTiming], None] | None = None) -> Connector:
    """One connector from its (defaults-merged) agency table."""
    where = f"agencies.{agency}"
    config = resolve_env(table, env, where)
    kind = config.get("kind")
    if kind not in _KINDS:
        known = ", ".join(sorted(_KINDS))
        raise ConfigurationError(f"{where}.kind: {kind!r} is not a known kind (known: {known})")
    domain = str(config.get("domain", agency))
    if domain not in CATEGORIES:
        raise ConfigurationError(f"{where}.domain: {domain!r} has no category vocabulary")
    categories = config.get("categories", sorted(CATEGORIES[domain]))
    if not isinstance(categories, list) or not categories:
        raise ConfigurationError(f"{where}.categories must be a non-empty list")
    unknown = sorted(set(categories) - set(CATEGORIES[domain]))
    if unknown:
        raise ConfigurationError(f"{where}.categories: not {domain} categories: {', '.join(unknown)}")
    common: dict[str, Any] = {
        "agency": agency, "domain": domain, "categories": frozenset(categories),
        "display_name": _required_text(config, "display_name", where),
        "source_system": _required_text(config, "source_system", where),
        "on_call": on_call,
    }
    try:
        return _KINDS[kind](config, common)
    except ConfigurationError:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise ConfigurationError(f"{where}: invalid setting ({e})") from e


def http_kind(factory: Callable[..., Connector]) -> ConnectorFactory:
    """Wrap a `from_config(config, common=...)` of an HttpConnector: adds validated HttpSettings and auth."""

    def build(config: Mapping[str, Any], common: Mapping[str, Any]) -> Connector:
        where = f"agencies.{common['agency']}"
        return factory(config, common={**common, "http": http_settings(config, where),
                                       "auth": auth_strategy(config.get("auth"), f"{where}.auth", config)})

    return build


def http_settings(config: Mapping[str, Any], where: str) -> HttpSettings:
    """Validated network limits; timeouts are mandatory and must be positive numbers."""
    base_url = _required_text(config, "base_url", where)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"{where}.base_url must be an http(s) URL")
    for key in ("connect_timeout", "read_timeout"):
        if key not in config:
            raise ConfigurationError(f"{where}.{key} is required (seconds)")
        _positive_number(config[key], f"{where}.{key}")
    _positive_number(config.get("backoff", 0.1), f"{where}.backoff")
    for key in ("max_response_bytes", "max_pages", "max_retries", "parallel_requests"):
        value = config.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "max_retries" else 1):
            raise ConfigurationError(f"{where}.{key} must be a whole number")
    return HttpSettings(
        base_url=base_url, connect_timeout=float(config["connect_timeout"]),
        read_timeout=float(config["read_timeout"]), max_retries=int(config.get("max_retries", 2)),
        backoff=float(config.get("backoff", 0.1)), max_response_bytes=int(config.get("max_response_bytes", 5_000_000)),
        max_pages=int(config.get("max_pages", 20)), verify_tls=bool(config.get("verify_tls", True)),
        parallel_requests=int(config.get("parallel_requests", 4)),
        max_connections=int(config.get("max_connections", 32)),
    )


def auth_strategy(table: Any, where: str, config: Mapping[str, Any]) -> AuthStrategy:
    """The auth strategy an `[agencies.<key>.auth]` table describes; required, so none is never an accident."""
    if table is None:
        raise ConfigurationError(f'{where} is required (type = "none" for a source that needs no credentials)')
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where} must be a table")
    kind = table.get("type")
    if kind == "none":
        return NoAuth()
    if kind == "bearer":
        return StaticBearerToken(_required_text(table, "token", where))
    if kind == "api_key":
        return ApiKeyHeader(str(table.get("header", "X-API-Key")), _required_text(table, "key", where))
    if kind == "oauth2_client_credentials":
        token_url = _required_text(table, "token_url", where)
        return OAuth2ClientCredentials(token_url, _required_text(table, "client_id", where),
                                       _required_text(table, "client_secret", where), table.get("scope"))
    raise ConfigurationError(f"{where}.type: {kind!r} is not one of none, bearer, api_key, oauth2_client_credentials")


def resolve_env(value: Any, env: Mapping[str, str], where: str) -> Any:
    """Replace `<key>_env` entries by the named variable's value and expand `${VAR}` in strings."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_KEYS and item not in (None, ""):
                raise ConfigurationError(f"{where}.{key}: credentials must come from the environment; "
                                         f"use {key}_env = \"<VARIABLE>\"")
            if key.endswith("_env"):
                name = key[: -len("_env")]
                if not isinstance(item, str) or item not in env or env[item] == "":
                    raise ConfigurationError(f"{where}.{key}: environment variable {item!r} is not set")
                out[name] = env[item]
            elif key not in out:
                out[key] = resolve_env(item, env, f"{where}.{key}")
        return out
    if isinstance(value, list):
        return [resolve_env(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        return _expand(value, env, where)
    return value


def _expand(text: str, env: Mapping[str, str], where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise ConfigurationError(f"{where}: environment variable {name!r} is not set")

    for _ in range(_MAX_EXPANSION_PASSES):
        expanded = _VARIABLE.sub(substitute, text)
        if expanded == text:
            break
        text = expanded
    return text


def _positive_number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigurationError(f"{where} must be a positive number of seconds")


def _required_text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}.{key} is required")
    return value


register_kind("fhir", http_kind(FhirConnector.from_config))
register_kind("rest", http_kind(RestConnector.from_config))
register_kind("sql", lambda config, common: SqlConnector.from_config(config, common=common))
