"""Keys every `[agencies.<key>]` table shares, the web connectors' network keys, and `[defaults]`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from connectors.categories import CATEGORIES
from connectors.config.auth import AuthConfig
from connectors.config.base import Count, Marker, PositiveInt, StrictModel, Text


def _positive_seconds(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PydanticCustomError("seconds", "must be a positive number of seconds")
    return float(value)


Seconds = Annotated[float, BeforeValidator(_positive_seconds), Marker("seconds")]


class AgencyConfig(StrictModel):
    """`[agencies.<key>]`: one agency's system. A connector kind's table adds its own keys to these."""

    kind: str = Field(description="The connector kind: `fhir`, `rest`, `sql`, or one a Python package "
                      "registers (entry point group `portal.connector_kinds`).")
    display_name: Text = Field(description="The agency's name as practitioners see it (\"Police Scotland\").")
    source_system: Text = Field(description="The system the records come from (\"Concern Hub (iVPD)\").")
    organisation: Text | None = Field(default=None, description="The organisation that holds the records, when it is "
                                      "not the display name (a council for its education service).")
    domain: Text | None = Field(default=None, validate_default=True, description="Which category vocabulary the agency "
                                "supplies (connectors/categories.py); default: the agency key. Several agencies "
                                "may share a domain.")
    categories: list[Text] | None = Field(default=None, validate_default=True, description="The categories this agency "
                                          "supplies; default: every category of its domain.")
    enabled: bool = Field(default=True, description="`false` keeps the table in the file but builds no connector.")

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str | None, info: ValidationInfo) -> str:
        domain = value if value is not None else (info.context or {}).get("agency")
        if not isinstance(domain, str):
            raise PydanticCustomError("missing", "is required")
        if domain not in CATEGORIES:
            known = ", ".join(CATEGORIES)
            raise PydanticCustomError("domain", f"{domain!r} has no category vocabulary (known: {known})")
        return domain

    @field_validator("categories")
    @classmethod
    def _domain_categories(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        domain = info.data.get("domain")
        if not isinstance(domain, str):
            return value  # the domain's own error says what is wrong
        if value is None:
            return sorted(CATEGORIES[domain])
        if not value:
            raise PydanticCustomError("too_short", "must not be empty")
        unknown = sorted(set(value) - set(CATEGORIES[domain]))
        if unknown:
            raise PydanticCustomError("categories", f"not {domain} categories: {', '.join(unknown)}")
        return value

    @property
    def organisation_name(self) -> str:
        """Who holds the records: `organisation`, else the display name."""
        return self.organisation or self.display_name

    @property
    def vocabulary(self) -> str:
        """The domain, after validation filled it in."""
        return self.domain or ""

    @property
    def category_set(self) -> frozenset[str]:
        return frozenset(self.categories or ())


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise PydanticCustomError("url", "must be an http(s) URL")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url), Marker("http(s) URL")]


class HttpAgencyConfig(AgencyConfig):
    """Keys of every connector that reads a web API: where it is, how long to wait, how much to take."""

    base_url: HttpUrl = Field(description="Where the API is.")
    auth: AuthConfig = Field(description="How the portal proves who it is (`[agencies.<key>.auth]`); "
                             '`type = "none"` for a source that needs no credentials.')
    connect_timeout: Seconds = Field(description="Seconds to open a connection.")
    read_timeout: Seconds = Field(description="Seconds to wait for an answer (never beyond the view's deadline).")
    max_retries: Count = Field(default=2, description="Retries of a GET, on connection errors and 502/503/504 only, "
                               "inside the deadline only.")
    backoff: Seconds = Field(default=0.1, description="Seconds before the first retry (doubling after).")
    max_response_bytes: PositiveInt = Field(default=5_000_000, description="Largest answer read; more is an error.")
    max_pages: PositiveInt = Field(default=20, description="Most pages followed for one list.")
    verify_tls: bool = Field(default=True, description="Check the server's certificate (leave on).")
    parallel_requests: PositiveInt = Field(default=4, description="A person's independent reads sent at once.")
    max_connections: PositiveInt = Field(default=32,
                                         description="Keep-alive connections held; size to the fan-out pool.")


class Defaults(StrictModel):
    """`[defaults]`: values for any agency table that has the key and does not set it."""

    connect_timeout: Seconds | None = Field(default=None, description="See the web connector keys.")
    read_timeout: Seconds | None = Field(default=None, description="See the web connector keys.")
    max_retries: Count | None = Field(default=None, description="See the web connector keys.")
    backoff: Seconds | None = Field(default=None, description="See the web connector keys.")
    max_response_bytes: PositiveInt | None = Field(default=None, description="See the web connector keys.")
    max_pages: PositiveInt | None = Field(default=None, description="See the web connector keys.")
    page_size: PositiveInt | None = Field(default=None, description="Items asked for per page (REST `page_size`, "
                                          "FHIR `_count`).")
    parallel_requests: PositiveInt | None = Field(default=None, description="See the web connector keys.")
    max_connections: PositiveInt | None = Field(default=None, description="See the web connector keys.")
    verify_tls: bool | None = Field(default=None, description="See the web connector keys.")
    statement_timeout: Seconds | None = Field(default=None, description="See the `sql` kind.")
    max_rows: PositiveInt | None = Field(default=None, description="See the `sql` kind.")
