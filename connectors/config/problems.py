"""Turn validation failures into sentences that name the table and key, and read the environment.

`agencies.social_work.queries[2].event: 'date' is required`, never a pydantic dump or a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from connectors.errors import ConfigurationError

M = TypeVar("M", bound=BaseModel)

# Keys that hold secrets: they may only arrive through `<key>_env`.
SECRET_KEYS = frozenset({"token", "key", "api_key", "client_secret", "password", "secret"})
# Innermost first: a default may itself hold a ${VAR}, expanded on an earlier pass.
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}$]*))?\}")
_MAX_EXPANSION_PASSES = 5

_PLAIN = {
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number", "float_type": "must be a number",
    "float_parsing": "must be a number", "bool_type": "must be true or false",
    "bool_parsing": "must be true or false", "string_type": "must be text (in quotes)",
    "list_type": "must be a list ([...])", "dict_type": "must be a table",
    "model_type": "must be a table", "model_attributes_type": "must be a table",
}


def where_of(where: str, loc: Sequence[int | str]) -> str:
    """`agencies.x` + ('queries', 2, 'event') -> `agencies.x.queries[2].event` (union tags, '=…', left out)."""
    out = where
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith("="):
            out = f"{out}.{part}" if out else part
    return out


def sentence(where: str, problem: str) -> str:
    """`<where> must …` / `<where> is …` read as sentences; anything else follows a colon."""
    return f"{where} {problem}" if problem.startswith(("must ", "is ")) else f"{where}: {problem}"


def describe(error: ErrorDetails, where: str) -> str:
    """One validation error as a sentence naming the table and key."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing" and loc:
        return f"{where_of(where, loc[:-1])}: '{loc[-1]}' is required"
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        if key in SECRET_KEYS:
            return f'{where_of(where, loc)}: credentials must come from the environment; use {key}_env = "<VARIABLE>"'
        return f"{where_of(where, loc[:-1])}: '{key}' is not a known key (see docs/connectors.md)"
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "unknown_tag":  # a union chosen by `kind`/`type`: name that key and the value found
        key, known = context["key"], error["msg"]
        given = error["input"].get(key) if isinstance(error["input"], Mapping) else None
        if given is None:
            return f"{where_of(where, loc)}: '{key}' is required (known: {known})"
        return f"{where_of(where, (*loc, key))}: {given!r} is not a known {key} (known: {known})"
    if kind == "value_source" and not isinstance(error["input"], Mapping):
        return sentence(where_of(where, loc), f"{error['msg']}: {_source_hint(error['input'])}")
    if kind in ("greater_than", "greater_than_equal"):
        bound = context.get("gt", context.get("ge"))
        problem = f"must be {'greater than' if kind == 'greater_than' else 'at least'} {bound}"
    elif kind == "too_short":
        problem = "must not be empty"
    elif kind == "literal_error":
        problem = f"must be {context.get('expected', 'one of the listed values')}"
    elif kind in _PLAIN:
        problem = _PLAIN[kind]
    else:
        problem = str(error["msg"]).removeprefix("Value error, ")
    return sentence(where_of(where, loc), problem)


def _source_hint(given: Any) -> str:
    """How an old-style plain value is written now, so the fix is in the message."""
    if isinstance(given, str):
        return f'{{ field = "{given}" }} reads that field of each item; {{ value = … }} states it for every item'
    if isinstance(given, bool):
        return f"{{ value = {str(given).lower()} }} for every item, or {{ field = \"…\" }} to read it"
    return "write { value = … } for the same value on every item, or { field = \"…\" } to read it"


def validate(model: type[M], data: Any, where: str, *, context: Mapping[str, Any] | None = None) -> M:
    """`model` validated from `data`; ConfigurationError listing every problem (one per line) otherwise."""
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as e:
        raise ConfigurationError("\n".join(dict.fromkeys(describe(d, where) for d in e.errors()))) from None


def expand(value: Any, env: Mapping[str, str], where: str) -> Any:
    """Every string in a parsed TOML value with `${VAR}` / `${VAR:-default}` replaced from `env`."""
    if isinstance(value, Mapping):
        return {key: expand(item, env, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, env, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, str):
        return _expand_text(value, env, where)
    return value


def _expand_text(text: str, env: Mapping[str, str], where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise ConfigurationError(f"{where}: environment variable {name!r} is not set")

    for _ in range(_MAX_EXPANSION_PASSES):
        expanded = _VARIABLE.sub(substitute, text)
        if expanded == text:
            break
        text = expanded
    return text


def from_environment(name: str, env: Mapping[str, str], where: str) -> str:
    """The value of the variable a `<key>_env` setting names; set and non-empty, or ConfigurationError."""
    value = env.get(name, "")
    if not value:
        raise ConfigurationError(f"{where}: environment variable {name!r} is not set")
    return value
