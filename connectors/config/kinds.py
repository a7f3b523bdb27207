"""The tables of the three built-in connector kinds: `fhir`, `rest` and `sql`."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from connectors.config.agency import AgencyConfig, HttpAgencyConfig, Seconds
from connectors.config.base import Count, EnvName, FieldPath, Marker, PositiveInt, StrictModel, Template, Text
from connectors.config.items import EventSpec, FactSpec, PercentageSpec, SummarySpec
from connectors.fhir import CATEGORY_RESOURCES, CHI_SYSTEM_NHS, CHI_SYSTEM_OID, WINDOW_TYPES

_SELECT_ONLY = re.compile(r"^\s*(select|with)\b[^;]*;?\s*$", re.IGNORECASE | re.DOTALL)
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PERSON_FIELDS = ("forename", "surname", "birth_date", "sex", "postcode", "previous_surname")
_RESOURCE_TYPES = sorted({t for types in CATEGORY_RESOURCES.values() for t in types})


def _select(value: str) -> str:
    if not _SELECT_ONLY.match(value):
        raise PydanticCustomError("select", "must be a single SELECT statement")
    return value


def _person_fields(value: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(PERSON_FIELDS))
    if unknown:
        raise PydanticCustomError("person_fields",
                                  f"not person fields: {', '.join(unknown)} (known: {', '.join(PERSON_FIELDS)})")
    return value


def _resource_types(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(_RESOURCE_TYPES))
    if unknown:
        raise PydanticCustomError("resource_types", f"not resource types the connector reads: {', '.join(unknown)}")
    return value


SelectSql = Annotated[str, AfterValidator(_select), Marker("SQL (one SELECT)")]
PersonFields = Annotated[dict[str, FieldPath], AfterValidator(_person_fields)]
Categories = Annotated[list[Text], Field(min_length=1)]

# -- fhir -----------------------------------------------------------------------------------------


class FhirAgencyConfig(HttpAgencyConfig):
    """`kind = "fhir"`: a FHIR R4 server (health). Which resources a category needs is fixed in code."""

    kind: Literal["fhir"] = Field(description='`"fhir"`.')
    chi_system: Text = Field(default=CHI_SYSTEM_NHS, description="Identifier system CHI searches use.")
    accepted_chi_systems: list[Text] = Field(default=[CHI_SYSTEM_NHS, CHI_SYSTEM_OID], description="Identifier systems "
                                             "read as a CHI on the Patients the server returns.")
    page_size: PositiveInt = Field(default=100, description="`_count` asked for per search page.")
    identifier_systems: dict[str, Text] = Field({}, description="Other identifiers read from Patients: "
                                                "kind = system (e.g. `local = \"https://…\"`).")
    window_types: Annotated[list[Text], AfterValidator(_resource_types)] = Field(
        list(WINDOW_TYPES), description="Resource types whose `date` search parameter is the event's date, so the "
        "server sorts and pages their events (`_sort`, `_count`, `_getpagesoffset`); `[]` reads every list whole.")
    batch_reads: bool = Field(False, description="Send the searches of one record read as a single FHIR `batch` "
                              "Bundle (`POST [base]`, reads only), one round trip instead of one per resource type. "
                              "Only for a server whose CapabilityStatement lists the `batch` interaction.")


# -- rest -----------------------------------------------------------------------------------------


class RestPeople(StrictModel):
    """`[agencies.<key>.people]` (rest): how to search for a person and read the person record.

    The search tables map a query parameter to a template over the search values `{chi}`, `{forename}`,
    `{surname}`, `{birth_date}`, `{postcode}` and any identifier kind (`{scn}`); a parameter whose
    values are unknown is left out, and a search with no parameters left is not sent.
    """

    path: Text = Field(description="The people search path, under `base_url`.")
    list_field: FieldPath = Field(description="Field of the answer holding the list of people.")
    id_field: FieldPath = Field(description="Field holding the source's id for a person.")
    by_chi: dict[str, Template] = Field({}, description="Query parameters for a search by CHI.")
    by_identifier: dict[str, dict[str, Template]] = Field({}, description="Query parameters for a search by "
                                                          "another identifier, per identifier kind.")
    by_demographics: dict[str, Template] = Field({}, description="Query parameters for a search by name and "
                                                 "date of birth.")
    identifiers: dict[str, FieldPath] = Field({}, description="Identifiers on a person item: kind = field path "
                                              "(`chi` is the CHI).")
    fields: PersonFields = Field({}, description="Where a person item keeps forename, surname, birth_date, sex, "
                                 "postcode and previous_surname (defaults: forename, surname, dob, none, postcode, "
                                 "none).")


class RestCollection(StrictModel):
    """`[[agencies.<key>.collections]]`: one per-person list endpoint and how its items map."""

    name: Text = Field(description="A name for the list (in timings and the data-flows panel).")
    path: Text = Field(description="The list's path under `base_url`; `{id}` is the person's source id.")
    categories: Categories = Field(description="Categories the list supplies; it is read only when one is asked "
                                   "for.")
    list_field: FieldPath = Field(default="items", description="Field of the answer holding the list.")
    subject_field: FieldPath | None = Field(default=None,
                                            description="Field saying whom an item is about; an item about "
                                            "anyone else is dropped and counted.")
    id_field: FieldPath = Field(default="id", description="Field holding the item's id in the source.")
    event: EventSpec | None = Field(default=None, description="Each item becomes an event.")
    facts: list[FactSpec] = Field(default=[], description="Each item becomes these key facts.")
    percentage: PercentageSpec | None = Field(default=None,
                                              description="The items are period counts summed into a fact.")
    window: bool = Field(default=False, description="The agency sorts and pages this list by date for the portal "
                         "(`sort`, `order`, `offset`, `until`); needs an `event` and no `percentage`.")
    summary: SummarySpec | None = Field(default=None, description="The agency sums the `percentage` list itself: "
                                        "the fact is read from that summary, not from every period.")

    @model_validator(mode="after")
    def _window_needs_an_event_list(self) -> RestCollection:
        if self.window and (self.event is None or self.percentage is not None):
            raise ValueError("'window' needs an 'event' table and no 'percentage'")
        if self.summary is not None and self.percentage is None:
            raise ValueError("'summary' needs a 'percentage' table")
        if (self.summary is not None and self.summary.below_param and self.percentage is not None
                and self.percentage.event_below_percent is None):
            raise ValueError("'summary.below_param' needs 'percentage.event_below_percent'")
        return self


class RestWindowsTogether(StrictModel):
    """`[agencies.<key>.windows_together]`: the agency answers the same window of several lists in one request."""

    path: Text = Field(description="Path under `base_url` (`{id}` is the person's source id) taking the lists' "
                       "window parameters and the lists' names, one `param` each.")
    param: Text = Field(default="list", description="The query parameter naming one list (the collection's "
                        "`name`), repeated.")
    field: FieldPath = Field(default="lists", description="Field of the answer holding, by list name, what that "
                             "list's own window request would have answered.")


class RestAgencyConfig(HttpAgencyConfig):
    """`kind = "rest"`: a JSON API that lists people and, per person, collections of records."""

    kind: Literal["rest"] = Field(description='`"rest"`.')
    people: RestPeople = Field(description="How to find a person (`[agencies.<key>.people]`).")
    collections: list[RestCollection] = Field(default=[], description="The person's lists "
                                              "(`[[agencies.<key>.collections]]`).")
    person_facts: list[FactSpec] = Field(default=[], description="Key facts read from the person item itself "
                                         "(`[[agencies.<key>.person_facts]]`); each needs a `category`.")
    notice_field: FieldPath = Field(default="restricted_notice", description="Field of a list answer holding a notice "
                                    "that information is withheld.")
    next_field: FieldPath = Field(default="next", description="Field of a list answer holding the next page's URL.")
    page_size: PositiveInt | None = Field(default=None, description="Items asked for per page (none: the agency's "
                                          "default).")
    page_size_param: Text = Field(default="page_size", description="The query parameter that carries `page_size`.")
    windows_together: RestWindowsTogether | None = Field(
        default=None, description="A capability: the first window of every `window` list of a view asked for in "
        "one request (none: one request per list).")

    @model_validator(mode="after")
    def _person_facts_name_a_category(self) -> RestAgencyConfig:
        for index, fact in enumerate(self.person_facts):
            if fact.category is None:
                raise ValueError(f"person_facts[{index}]: 'category' is required")
        return self


# -- sql ------------------------------------------------------------------------------------------


class SqlPeople(StrictModel):
    """`[agencies.<key>.people]` (sql): the statements that find a person, and their columns."""

    by_chi: SelectSql = Field(description="Finds people by `:chi`.")
    by_demographics: SelectSql = Field(description="Finds people by `:surname`, `:forename`, `:birth_date`, "
                                       "`:postcode`.")
    id_field: FieldPath = Field(default="person_id", description="Column holding the source's id for a person.")
    identifiers: dict[str, FieldPath] = Field({"chi": "chi"}, description="Identifier columns: kind = column.")
    fields: PersonFields = Field({}, description="Columns for forename, surname, birth_date, sex, postcode and "
                                 "previous_surname when not named so.")


class SqlQuery(StrictModel):
    """`[[agencies.<key>.queries]]`: one SELECT for one or more categories, and how its rows map."""

    name: Text = Field(description="A name for the statement (in timings).")
    sql: SelectSql = Field(description="One SELECT, with `:person_id` bound to the person's source id.")
    categories: Categories = Field(description="Categories the rows supply; run only when one is asked for.")
    subject_field: FieldPath = Field(default="person_id", description="Column saying whom a row is about; a row about "
                                     "anyone else is dropped and counted.")
    id_field: FieldPath = Field(default="id", description="Column holding the row's id.")
    collect: list[FieldPath] = Field(default=[], description="Columns gathered into lists when rows share an id (a "
                                     "join's many side).")
    event: EventSpec | None = Field(default=None, description="Each row becomes an event.")
    facts: list[FactSpec] = Field(default=[], description="Each row becomes these key facts.")
    notice: Text | None = Field(default=None, description="The query counts withheld (sealed) rows and this text is "
                                "shown when there are any; nothing else of them is read.")
    window: bool = Field(default=False, description="The statement may be wrapped in `ORDER BY` the event's date and "
                         "`LIMIT` for the chronology page; needs an event, one row per id and plain column names.")

    @model_validator(mode="after")
    def _windowable(self) -> SqlQuery:
        if self.window:
            columns = (self.event.date if self.event else None, self.id_field)
            if self.collect or self.notice or not all(c and _COLUMN.match(c) for c in columns):
                raise ValueError("'window' needs an event, one row per id and plain date/id column names")
        return self


class SqlAgencyConfig(AgencyConfig):
    """`kind = "sql"`: a relational case system read through SQLAlchemy Core, read-only."""

    kind: Literal["sql"] = Field(description='`"sql"`.')
    url: Text | None = Field(default=None, description="SQLAlchemy URL (`sqlite:///file.db` or PostgreSQL as the "
                             "read-only role); or `url_env`.")
    url_env: EnvName | None = Field(default=None, description="Environment variable holding the URL (when it holds a "
                                    "password).")
    db_schema: Text | None = Field(default=None, alias="schema", description="PostgreSQL schema to read (search_path).")
    statement_timeout: Seconds = Field(default=2.5, description="Seconds a statement may run.")
    connect_timeout: Seconds = Field(default=1.0, description="Seconds to connect.")
    max_rows: PositiveInt = Field(default=5000, description="Most rows read from one statement; more is an error.")
    pool_size: PositiveInt = Field(default=5, description="Pooled connections per process (SQLite: idle ones kept).")
    pool_overflow: Count = Field(default=5, description="Extra connections past the pool when busy.")
    people: SqlPeople = Field(description="How to find a person (`[agencies.<key>.people]`).")
    queries: list[SqlQuery] = Field(default=[], description="The person's records (`[[agencies.<key>.queries]]`).")

    @model_validator(mode="after")
    def _one_url(self) -> SqlAgencyConfig:
        if self.url is None and self.url_env is None:
            raise ValueError("'url' (or 'url_env') is required")
        if self.url is not None and self.url_env is not None:
            raise ValueError("give 'url' or 'url_env', not both")
        return self
