"""Connector kinds: a config model plus a function that builds the connector from a validated table.

The built-in kinds (`fhir`, `rest`, `sql`) are registered here. Another Python package adds a kind
by declaring an entry point in the group `portal.connector_kinds` whose name is the kind and whose
object is a `ConnectorKind`; its model subclasses `connectors.config.AgencyConfig` with
`kind: Literal["<name>"]`. Installed kinds are found each time a config is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from connectors.base import CallTiming, Connector, HttpSettings
from connectors.config.agency import AgencyConfig, HttpAgencyConfig
from connectors.config.kinds import FhirAgencyConfig, RestAgencyConfig, SqlAgencyConfig
from connectors.config.problems import from_environment
from connectors.errors import ConfigurationError
from connectors.fhir import FhirConnector, FhirOptions
from connectors.mapping import EventMapping, FactMapping, PercentageSummary
from connectors.rest import CollectionSpec, PeopleSpec, RestConnector, SummarySource
from connectors.rest_together import WindowsTogether
from connectors.sql import QuerySpec, SqlConnector, SqlPeopleSpec

ENTRY_POINT_GROUP = "portal.connector_kinds"
C = TypeVar("C", bound=AgencyConfig)


@dataclass(frozen=True)
class BuildContext:
    """What building one connector needs besides its table: its key, the environment, a timing hook."""

    agency: str
    env: Mapping[str, str]
    on_call: Callable[[CallTiming], None] | None = None

    @property
    def where(self) -> str:
        return f"agencies.{self.agency}"

    def common(self, config: AgencyConfig) -> dict[str, Any]:
        """The constructor arguments every connector takes."""
        return {"agency": self.agency, "domain": config.vocabulary, "display_name": config.display_name,
                "source_system": config.source_system, "categories": config.category_set, "on_call": self.on_call}


@dataclass(frozen=True)
class ConnectorKind(Generic[C]):
    """`kind = "<name>"` tables validate against `model` and become connectors through `build`."""

    name: str
    model: type[C]
    build: Callable[[C, BuildContext], Connector]


_BUILT_IN: dict[str, ConnectorKind[Any]] = {}
_REGISTERED: dict[str, ConnectorKind[Any]] = {}


def register_kind(kind: ConnectorKind[Any]) -> None:
    """Make `kind = "<kind.name>"` build connectors in this process (entry points do it for packages)."""
    _REGISTERED[kind.name] = kind


def built_in_kinds() -> dict[str, ConnectorKind[Any]]:
    """`fhir`, `rest` and `sql`: what docs/connectors.md describes."""
    return dict(_BUILT_IN)


def connector_kinds() -> dict[str, ConnectorKind[Any]]:
    """Every kind a config file may name: built-in, registered in-process, then installed packages'."""
    found = {**_BUILT_IN, **_REGISTERED}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name in found:
            continue
        try:
            kind = point.load()
        except Exception as e:  # an installed plugin that cannot import must not take the portal down silently
            raise ConfigurationError(f"connector kind {point.name!r} ({point.value}) could not be loaded: "
                                     f"{type(e).__name__}: {e}") from e
        if not isinstance(kind, ConnectorKind) or kind.name != point.name:
            raise ConfigurationError(f"entry point {point.name!r} in {ENTRY_POINT_GROUP} is not a ConnectorKind "
                                     f"named {point.name!r}")
        found[point.name] = kind
    return found


def http_settings(config: HttpAgencyConfig) -> HttpSettings:
    return HttpSettings(
        base_url=config.base_url, connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
        max_retries=config.max_retries, backoff=config.backoff, max_response_bytes=config.max_response_bytes,
        max_pages=config.max_pages, verify_tls=config.verify_tls, parallel_requests=config.parallel_requests,
        max_connections=config.max_connections)


def _build_fhir(config: FhirAgencyConfig, context: BuildContext) -> Connector:
    systems = tuple(config.accepted_chi_systems)
    options = FhirOptions(
        chi_system=config.chi_system,
        accepted_chi_systems=systems if config.chi_system in systems else (config.chi_system, *systems),
        page_size=config.page_size, extra_identifier_systems=dict(config.identifier_systems),
        window_types=tuple(config.window_types), batch_reads=config.batch_reads)
    return FhirConnector(options=options, http=http_settings(config),
                         auth=config.auth.strategy(context.env, f"{context.where}.auth"), **context.common(config))


def _build_rest(config: RestAgencyConfig, context: BuildContext) -> Connector:
    people = config.people
    collections = []
    for spec in config.collections:
        first = spec.categories[0]
        collections.append(CollectionSpec(
            name=spec.name, path=spec.path, categories=frozenset(spec.categories), list_field=spec.list_field,
            subject_field=spec.subject_field, id_field=spec.id_field,
            event=EventMapping(spec.event, first) if spec.event else None,
            facts=tuple(FactMapping(fact, first) for fact in spec.facts),
            percentage=PercentageSummary(spec.percentage, first) if spec.percentage else None, window=spec.window,
            summary=SummarySource(spec.summary.path, spec.summary.count, spec.summary.below_param)
            if spec.summary else None))
    return RestConnector(
        people=PeopleSpec(path=people.path, list_field=people.list_field, id_field=people.id_field,
                          by_chi=people.by_chi, by_identifier=people.by_identifier,
                          by_demographics=people.by_demographics, identifiers=people.identifiers,
                          fields=people.fields),
        collections=tuple(collections), person_facts=tuple(FactMapping(fact, "") for fact in config.person_facts),
        notice_field=config.notice_field, next_field=config.next_field, page_size=config.page_size,
        page_size_param=config.page_size_param, http=http_settings(config),
        together=WindowsTogether(config.windows_together.path, config.windows_together.param,
                                 config.windows_together.field) if config.windows_together else None,
        auth=config.auth.strategy(context.env, f"{context.where}.auth"), **context.common(config))


def _build_sql(config: SqlAgencyConfig, context: BuildContext) -> Connector:
    url = config.url or from_environment(str(config.url_env), context.env, f"{context.where}.url_env")
    people = config.people
    queries = []
    for spec in config.queries:
        first = spec.categories[0]
        queries.append(QuerySpec(
            name=spec.name, sql=spec.sql, categories=frozenset(spec.categories), subject_field=spec.subject_field,
            id_field=spec.id_field, collect=tuple(spec.collect),
            event=EventMapping(spec.event, first) if spec.event else None,
            facts=tuple(FactMapping(fact, first) for fact in spec.facts), notice=spec.notice, window=spec.window))
    return SqlConnector(
        url=url, people=SqlPeopleSpec(by_chi=people.by_chi, by_demographics=people.by_demographics,
                                      id_field=people.id_field, identifiers=people.identifiers, fields=people.fields),
        queries=tuple(queries), statement_timeout=config.statement_timeout, connect_timeout=config.connect_timeout,
        max_rows=config.max_rows, schema=config.db_schema, pool_size=config.pool_size,
        pool_overflow=config.pool_overflow, **context.common(config))


for _kind in (ConnectorKind("fhir", FhirAgencyConfig, _build_fhir),
              ConnectorKind("rest", RestAgencyConfig, _build_rest), ConnectorKind("sql", SqlAgencyConfig, _build_sql)):
    _BUILT_IN[_kind.name] = _kind
