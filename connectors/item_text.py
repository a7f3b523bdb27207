"""Reading values out of a source's items: dotted paths, values as text, and `{path}` templates.

`lookup` and `render` read one item at a time. `getter` and `renderer` do the same work for a path or a
template compiled once (the path split, the template parsed, each placeholder's getter made), which the
item tables (connectors.mapping) use: they run for every item a source sends, on a handful of paths.
Both forms give the same answers (tests/unit/connectors/test_item_text.py).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Getter = Callable[[Mapping[str, Any]], Any]
Renderer = Callable[[Mapping[str, Any]], str]

# A dict is checked first: the abstract Mapping check alone costs several times as much, on every step.
_MAPPINGS = (dict, Mapping)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
# The gaps a missing value leaves, tidied in this order (compiled once: render runs for every item shown).
_EMPTY_BRACKETS = re.compile(r"\(\s*\)")  # "()" around an empty value
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:])")  # " ." left by an empty value
_REPEATED_STOPS = re.compile(r"([.,;:])(\s*[.,;:])+")
_STOP_BEFORE_BRACKET = re.compile(r"[,;:]\s*(?=\()")  # "name, (school)" when the role is missing
_SPACES = re.compile(r"\s{2,}")
# Anything any of those five would change matches this; most texts have none, so one search replaces five.
_MAY_NEED_TIDYING = re.compile(r"\(|\s[\s.,;:]|[.,;:]\s*[.,;:]")


def lookup(item: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`"asn.plan_type"`), or None when any step is missing."""
    value: Any = item
    for step in path.split("."):
        if not isinstance(value, _MAPPINGS):
            return None
        value = value.get(step)
    return value


@functools.lru_cache(maxsize=1024)
def getter(path: str) -> Getter:
    """`lookup(item, path)` as a function of the item, the path split once."""
    steps = tuple(path.split("."))
    if len(steps) > 1:
        return functools.partial(_walk, steps)
    # One step: the item's own `get` (an item is always a mapping), called without a Python frame of our own.
    read: Getter = operator.methodcaller("get", steps[0])
    return read


def _walk(steps: tuple[str, ...], item: Mapping[str, Any]) -> Any:
    value: Any = item
    for step in steps:
        if not isinstance(value, _MAPPINGS):
            return None
        value = value.get(step)
    return value


def as_text(value: Any) -> str:
    """A value as a practitioner should read it: lists joined, booleans as yes/no, None as empty."""
    if type(value) is str:  # the usual case, first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(v) for v in value if v not in (None, ""))
    return str(value)


def render(template: str, item: Mapping[str, Any]) -> str:
    """Fill `{path}` placeholders from `item`; tidy the gaps missing values leave.

    A `[...]` segment is optional: it is dropped unless every placeholder in it has a value,
    so "[review {review_date}]" never leaves a dangling "review".
    """
    return renderer(template)(item)


@dataclass(frozen=True)
class _Segment:
    """Literal text and placeholder paths in turn (`pieces[1::2]` are paths); optional: dropped unless all filled."""
    pieces: tuple[str, ...]
    optional: bool


@functools.lru_cache(maxsize=2048)
def renderer(template: str) -> Renderer:
    """`render(template, item)` as a function of the item: the template parsed and its paths' getters made once."""
    parts = _parsed(template)
    if parts is None:
        return functools.partial(_by_substitution, template)
    if all(isinstance(part, str) for part in parts):  # no placeholder: the same text for every item
        fixed = tidy("".join(str(part) for part in parts))
        return lambda _item: fixed
    compiled = tuple(part if isinstance(part, str) else
                     (part.optional, part.pieces[0::2], tuple(getter(path) for path in part.pieces[1::2]))
                     for part in parts)

    def fill(item: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in compiled:
            if isinstance(part, str):
                out.append(part)
                continue
            optional, literals, getters = part
            values = [as_text(get(item)) for get in getters]
            if optional and not all(values):
                continue
            out.append(literals[0])
            for value, literal in zip(values, literals[1:], strict=True):
                out += (value, literal)
        return tidy("".join(out))
    return fill


def tidy(text: str) -> str:
    """A filled template without the gaps its missing values left."""
    if _MAY_NEED_TIDYING.search(text):
        text = _EMPTY_BRACKETS.sub("", text)
        text = _SPACE_BEFORE_STOP.sub(r"\1", text)
        text = _REPEATED_STOPS.sub(r"\1", text)
        text = _STOP_BEFORE_BRACKET.sub(" ", text)
        text = _SPACES.sub(" ", text)
    return text.lstrip(" ,;:.").rstrip(" ,;:")


def _parsed(template: str) -> tuple[str | _Segment, ...] | None:
    """`template` split into literal text and segments.

    None when a brace stands outside a placeholder: dropping an optional segment's brackets could then join
    two braces into a new placeholder, which only substitution in two passes reproduces.
    """
    parts: list[str | _Segment] = []
    position = 0
    for match in _OPTIONAL.finditer(template) if "[" in template else ():
        parts += [_Segment(tuple(_PLACEHOLDER.split(template[position:match.start()])), False),
                  _Segment(tuple(_PLACEHOLDER.split(match.group(1))), True)]
        position = match.end()
    parts.append(_Segment(tuple(_PLACEHOLDER.split(template[position:])), False))
    if any("{" in piece or "}" in piece for part in parts if isinstance(part, _Segment) for piece in part.pieces[::2]):
        return None
    return tuple(part.pieces[0] if len(part.pieces) == 1 and not part.optional else part
                 for part in parts if isinstance(part, _Segment))


def _by_substitution(template: str, item: Mapping[str, Any]) -> str:
    def optional(match: re.Match[str]) -> str:
        paths = _PLACEHOLDER.findall(match.group(1))
        return match.group(1) if all(as_text(lookup(item, p)) for p in paths) else ""

    text = _OPTIONAL.sub(optional, template) if "[" in template else template
    return tidy(_PLACEHOLDER.sub(lambda m: as_text(lookup(item, m.group(1))), text))
