"""The agencies this portal is configured with (connectors.agencies), looked up by every view.

They are read once, when the app is built, from the agency-level keys of CONNECTORS_FILE:
the agreements are checked against them at start-up, and names, domains and category
words come from here rather than from any list in the code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, current_app, has_app_context

from connectors.agencies import AgencyDirectory, read_agencies

EXTENSION = "agencies"


def install(app: Flask, directory: AgencyDirectory) -> None:
    app.extensions[EXTENSION] = directory


@cache
def default_agencies() -> AgencyDirectory:
    """The agencies of the project's own config/connectors.toml (the file CONNECTORS_FILE defaults to)."""
    return read_agencies(Path(__file__).resolve().parent.parent / "config" / "connectors.toml")


def configured_agencies() -> AgencyDirectory:
    """The app's agencies; outside an app (a script, a unit test), those of the project's own connectors file."""
    directory = current_app.extensions.get(EXTENSION) if has_app_context() else None
    return directory if isinstance(directory, AgencyDirectory) else default_agencies()


def agency_name(key: str) -> str:
    """The configured display name ('NHS Glenmorven'), or the key made readable."""
    return configured_agencies().name(key)


# Whose record names the child (header, search results): by domain, then configuration order within one.
HEADER_PREFERENCE = ("health", "education", "social_work", "scra", "police")


def header_rank(domain: str) -> int:
    """A domain not listed (third sector, housing) comes after every listed one."""
    return HEADER_PREFERENCE.index(domain) if domain in HEADER_PREFERENCE else len(HEADER_PREFERENCE)
