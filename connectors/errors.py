"""The small error hierarchy every connector failure is translated into.

Each error carries a `reason` a practitioner can read in the data-flows panel
("Education took longer than 2.5 s to answer"). The reason never contains
personal data: it names the agency and what went wrong, not who was asked about.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector failure; `reason` is safe to show on screen."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryableError(ConnectorError):
    """A transient failure: asking again later may work."""


class TimedOutError(RetryableError):
    """The source did not answer within its timeout or the caller's deadline."""


class SourceUnavailableError(RetryableError):
    """The source could not be reached at all (connection refused, reset, DNS)."""


class FatalError(ConnectorError):
    """Asking again will not help until something is fixed (configuration, the source's software)."""


class UnauthorisedError(FatalError):
    """The source rejected the portal's credentials."""


class MalformedResponseError(FatalError):
    """The source answered, but not with something the connector can read."""


class ResponseTooLargeError(MalformedResponseError):
    """The source sent more than the configured response-size cap."""


class ConfigurationError(FatalError):
    """The connectors configuration is invalid; the message names the agency and key."""
