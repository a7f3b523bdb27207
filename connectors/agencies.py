"""Agencies and domains, kept apart: which organisations the portal reads from, and what each can supply.

A *domain* (health, education, social work, police, the Reporter, and later third sector or
housing) owns a category vocabulary (connectors/categories.py). An *agency* is one configured
source, an `[agencies.<key>]` table in the connectors file: its key, display name,
organisation, source system and the domain it belongs to. Several agencies may share a
domain (two councils' education services). This module is pure: it never reads a credential.
In the app the directory comes from the typed, validated file (`agencies_from_config`);
`read_agencies` reads a file's agency-level keys alone, for scripts and tests that have no app,
checked by the same pydantic model (connectors.config.AgencyConfig) so there is one set of rules.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from connectors.categories import CATEGORIES
from connectors.config.agency import AgencyConfig
from connectors.config.problems import validate
from connectors.errors import ConfigurationError

# The domains agencies may belong to, with the words a person reads for each.
DOMAIN_NAMES: Mapping[str, str] = MappingProxyType({
    "health": "Health",
    "social_work": "Social work",
    "education": "Education",
    "police": "Police",
    "scra": "Children's Reporter (SCRA)",
})


@dataclass(frozen=True)
class Domain:
    """A kind of service and the data categories (code → plain words) any agency of that kind can supply."""

    key: str
    name: str
    categories: Mapping[str, str]


DOMAINS: Mapping[str, Domain] = MappingProxyType({
    key: Domain(key, DOMAIN_NAMES.get(key, key.replace("_", " ").capitalize()), MappingProxyType(words))
    for key, words in CATEGORIES.items()
})


@dataclass(frozen=True)
class Agency:
    """One configured source: who it is, what system it runs and which domain's vocabulary it speaks."""

    key: str
    name: str  # display name, e.g. "NHS Glenmorven"
    organisation: str  # the body that holds the data (defaults to the display name)
    source_system: str
    domain: str
    categories: tuple[str, ...]  # in the domain's order; what agreements may share from it
    enabled: bool = True

    def category_words(self, category: str) -> str:
        """The plain words for one of this agency's categories."""
        return DOMAINS[self.domain].categories.get(category, category)


@dataclass(frozen=True)
class AgencyDirectory:
    """Every configured agency, in configuration order; what the portal looks agencies up in."""

    agencies: tuple[Agency, ...] = ()

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.agencies)

    def __contains__(self, key: object) -> bool:
        return any(agency.key == key for agency in self.agencies)

    def __len__(self) -> int:
        return len(self.agencies)

    def get(self, key: str) -> Agency | None:
        return next((agency for agency in self.agencies if agency.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(agency.key for agency in self.agencies)

    def name(self, key: str) -> str:
        """The display name, or the key made readable for an agency nobody configured (an old audit row)."""
        agency = self.get(key)
        return agency.name if agency else key.replace("_", " ").capitalize()

    def names(self) -> dict[str, str]:
        return {agency.key: agency.name for agency in self.agencies}

    def domain_of(self, key: str) -> str:
        """The agency's domain; an unconfigured key is taken as its own domain (fails closed: no vocabulary)."""
        agency = self.get(key)
        return agency.domain if agency else key

    def domains(self) -> dict[str, str]:
        return {agency.key: agency.domain for agency in self.agencies}

    def category_words(self, key: str, category: str) -> str:
        agency = self.get(key)
        return agency.category_words(category) if agency else category


def agencies_from_config(tables: Mapping[str, AgencyConfig]) -> AgencyDirectory:
    """The agencies of an already validated connectors file (connectors.registry.read_config(...).agencies)."""
    return AgencyDirectory(tuple(
        Agency(key, table.display_name, table.organisation_name, table.source_system,
               table.vocabulary, tuple(c for c in DOMAINS[table.vocabulary].categories if c in table.category_set),
               table.enabled)
        for key, table in tables.items()))


def agencies_from_document(document: Mapping[str, Any]) -> AgencyDirectory:
    """The agencies a parsed connectors file configures; ConfigurationError lists every problem, one a line.

    Only the agency-level keys of each table are read, checked by the same model the start-up check
    uses (connectors.config.AgencyConfig), so a table is refused here in the same words as there.
    """
    tables = document.get("agencies")
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigurationError("at least one [agencies.<key>] table is required")
    validated: dict[str, AgencyConfig] = {}
    problems: list[str] = []
    for key, table in tables.items():
        where = f"agencies.{key}"
        if not isinstance(table, Mapping):
            problems.append(f"{where} must be a table")
            continue
        keys = {name: value for name, value in table.items() if name in _AGENCY_KEYS}
        try:
            validated[key] = validate(_AgencyKeys, keys, where, context={"agency": key})
        except ConfigurationError as e:
            problems.extend(e.reason.splitlines())
    if problems:
        raise ConfigurationError("\n".join(problems))
    return agencies_from_config(validated)


def read_agencies(path: Path) -> AgencyDirectory:
    """The agencies configured in a connectors TOML file, without reading a credential or building a connector."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigurationError(f"connectors config not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"connectors config {path} is not valid TOML: {e}") from e
    try:
        return agencies_from_document(document)
    except ConfigurationError as e:
        raise ConfigurationError("\n".join(f"{path}: {line}" for line in e.reason.splitlines())) from None


class _AgencyKeys(AgencyConfig):
    """The agency-level keys alone: the directory builds no connector, so it need not know the kind."""

    kind: str = ""


_AGENCY_KEYS = frozenset(name for name in AgencyConfig.model_fields if name != "kind")
