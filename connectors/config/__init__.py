"""Typed connectors config: a pydantic model per table, so the file is checked whole at start-up.

A third party's kind subclasses `AgencyConfig` (or `HttpAgencyConfig`) with `kind: Literal["<name>"]`
and registers a `connectors.kinds.ConnectorKind` under the entry point group `portal.connector_kinds`.
"""

from connectors.config.agency import AgencyConfig, Defaults, HttpAgencyConfig
from connectors.config.base import FieldPath, StrictModel, Template, Text
from connectors.config.items import EventSpec, FactSpec, PercentageSpec

__all__ = ["AgencyConfig", "Defaults", "EventSpec", "FactSpec", "FieldPath", "HttpAgencyConfig", "PercentageSpec",
           "StrictModel", "Template", "Text"]
