"""The one guard against formula injection in every CSV the portal hands out.

A spreadsheet runs a cell that starts with one of these characters as a formula; names, user agents,
reasons and organisation names reach our exports from people and configuration, so each such cell
is given a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """`text` as a cell no spreadsheet will run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
