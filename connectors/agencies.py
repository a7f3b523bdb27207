"""Agencies and domains, kept apart: which organisations the portal reads from, and what each can supply.

A *domain* (health, education, social work, police, the Reporter, and later third sector or
housing) owns a category vocabulary (connectors/categories.py). An *agency* is one configured
source, an `[agencies.<key>]` table in the connectors file: its key, display name,
organisation, source system and the domain it belongs to. Several agencies may share a
domain (two councils' education services). This module is pure: it reads only the
agency-level keys of the connectors file, never a credential, so the agreements can be
checked against it when the portal starts, before any connector is built. In the app the
directory comes from the typed, validated file (`agencies_from_config`); `read_agencies` reads
a file's agency keys alone, for scripts and tests that have no app.
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
    """The agencies a parsed connectors file configures; ConfigurationError names the table and key at fault."""
    tables = document.get("agencies")
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigurationError("connectors config: at least one [agencies.<key>] table is required")
    return AgencyDirectory(tuple(_agency(key, table) for key, table in tables.items()))


def read_agencies(path: Path) -> AgencyDirectory:
    """The agencies configured in a connectors TOML file."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigurationError(f"connectors config not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"connectors config {path} is not valid TOML: {e}") from e
    try:
        return agencies_from_document(document)
    except ConfigurationError as e:
        raise ConfigurationError(f"{path}: {e}") from e


def _agency(key: str, table: Any) -> Agency:
    where = f"agencies.{key}"
    if not isinstance(table, Mapping):
        raise ConfigurationError(f"{where} must be a table")
    domain = table.get("domain", key)
    if domain not in DOMAINS:
        raise ConfigurationError(f"{where}.domain: {domain!r} has no category vocabulary "
                                 f"(known: {', '.join(DOMAINS)})")
    vocabulary = DOMAINS[domain].categories
    chosen = table.get("categories", list(vocabulary))
    if not isinstance(chosen, list) or not chosen or not all(isinstance(c, str) for c in chosen):
        raise ConfigurationError(f"{where}.categories must be a non-empty list")
    unknown = sorted(set(chosen) - set(vocabulary))
    if unknown:
        raise ConfigurationError(f"{where}.categories: not {domain} categories: {', '.join(unknown)}")
    name = _text(table, "display_name", where)
    organisation = _text(table, "organisation", where) if "organisation" in table else name
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigurationError(f"{where}.enabled must be true or false")
    return Agency(key, name, organisation, _text(table, "source_system", where), domain,
                  tuple(c for c in vocabulary if c in chosen), enabled)


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}.{key} is required")
    return value.strip()
