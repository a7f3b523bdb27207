"""The files the portal reads before it serves anyone: the connectors file, then the agreements checked against
its agencies. create_app reads them; gunicorn's master reads them once more before any worker starts, so a bad
file stops the server once with its reason (portal.wsgi), not every worker with a stack trace."""

from __future__ import annotations

import os
from dataclasses import dataclass

from connectors.agencies import AgencyDirectory, agencies_from_config
from connectors.errors import ConfigurationError as ConnectorsError
from connectors.registry import ConnectorsConfig, read_config
from portal.access.agreements import AgreementError, Agreements, load_agreements
from portal.config import ConfigurationError as SettingsError
from portal.config import Settings

# What a wrong setting or file raises at start: each says what is wrong, one problem a line, no personal data.
STARTUP_ERRORS: tuple[type[Exception], ...] = (AgreementError, ConnectorsError, SettingsError)


@dataclass(frozen=True)
class Configuration:
    connectors: ConnectorsConfig  # every agency table, validated; connectors are built on first use
    agencies: AgencyDirectory  # those tables' agencies, enabled or not
    agreements: Agreements


def read_configuration(settings: Settings) -> Configuration:
    """The connectors file first (every problem in it at once), then the agreements against its agencies."""
    connectors = read_config(settings.CONNECTORS_FILE, os.environ)
    agencies = agencies_from_config(connectors.agencies)
    return Configuration(connectors, agencies, load_agreements(settings.AGREEMENTS_FILE, agencies=agencies))


def refusal(error: Exception) -> str:
    """What the console shows when start-up is refused: a heading, then the error's own lines."""
    heading = ("The portal cannot start: a setting is wrong." if isinstance(error, SettingsError)
               else "The portal cannot start: a configuration file is wrong.")
    return f"{heading}\n{error}"
