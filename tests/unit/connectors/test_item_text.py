"""Compiled paths and templates (connectors.item_text) give what reading the item step by step gives."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from connectors.item_text import _by_substitution, getter, lookup, renderer

ITEMS: list[Mapping[str, Any]] = [
    {},
    {"reason": "Illness", "openings_lost": 4, "review": {"date": "2026-01-02", "by": None}, "flag": True},
    {"reason": "", "openings_lost": 0, "review": "not a mapping", "grounds": ["care", None, "", "attendance"]},
    {"reason": None, "review": {"date": ""}, "flag": False, "name": "J Head", "school": "Leith"},
    {"review": OrderedDict(date="2025-12-31", by=OrderedDict(role="Teacher"))},
    MappingProxyType({"reason": "Moved", "review": MappingProxyType({"date": "2024-02-03"})}),  # not a dict
]
PATHS = ["reason", "openings_lost", "review.date", "review.by.role", "review", "missing.deeper", "grounds", "flag"]
TEMPLATES = [
    "", "Note", "{reason}", "{reason}. {openings_lost} openings lost.", "{name}, {role} ({school})",
    "Review[ on {review.date}][ by {review.by.role}]", "[{reason}: ]{grounds}", "[fixed text] and {flag}",
    "({reason})", "{grounds} ; {reason} .. done", "Plain [optional {missing}] end",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_compiled_path_reads_what_lookup_reads(path: str) -> None:
    read = getter(path)
    assert [read(item) for item in ITEMS] == [lookup(item, path) for item in ITEMS]


def test_a_path_through_a_mapping_that_is_not_a_dict_is_followed() -> None:
    assert getter("review.by.role")(ITEMS[4]) == "Teacher"
    assert getter("review.date")(ITEMS[5]) == "2024-02-03"
    assert renderer("{reason} on {review.date}")(ITEMS[5]) == "Moved on 2024-02-03"


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_compiled_template_fills_as_substitution_does(template: str) -> None:
    # Substitution in two passes is the independent reading of a template (used for stray braces).
    fill = renderer(template)
    assert [fill(item) for item in ITEMS] == [_by_substitution(template, item) for item in ITEMS]


def test_an_optional_segment_is_dropped_unless_all_its_values_are_there() -> None:
    fill = renderer("Review[ on {review.date}][ by {review.by.role}]")
    assert fill(ITEMS[1]) == "Review on 2026-01-02"
    assert fill(ITEMS[4]) == "Review on 2025-12-31 by Teacher"
    assert fill(ITEMS[0]) == "Review"
