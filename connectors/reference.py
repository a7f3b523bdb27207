"""The reference of every connectors-config key, generated from the models (docs/connectors.md).

`flask portal connectors schema` prints it; a test fails when the checked-in page differs or a key
has no description, so the page cannot drift from what the portal accepts.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from connectors.config.agency import AgencyConfig, Defaults, HttpAgencyConfig
from connectors.config.auth import AUTH_MODELS
from connectors.config.base import FixedFlag, FixedTags, FixedText, FromField, FromTemplate, Marker
from connectors.kinds import ConnectorKind

INTRO = """\
# Connectors configuration reference

Generated from the models in `connectors/config/` by `flask portal connectors schema`; do not edit by
hand (a test compares this page with the models). This page covers the built-in kinds; the command
also describes kinds that installed packages add. The portal reads `CONNECTORS_FILE`
(`config/connectors.toml`) at start-up and refuses to start if any table is wrong, naming the file,
the table (`agencies.social_work.queries[2].event`) and the key.

## How values are read

- A **field path** (`start_date`, `named_person.name`) names a value in the source's item (a JSON
  object) or row (a SQL result).
- A **template** (`"Referral from {source}[ ({decision_date})]"`) is text with `{field path}`
  placeholders; a `[...]` segment is dropped unless all its placeholders have values. Text without
  placeholders is used as written.
- **text** is used as written.
- A key that may either be stated or read from the item takes a **value source** table that says
  which: `{ field = "outcome" }` reads a field, `{ template = "Outcome: {outcome}" }` fills a
  template, `{ value = "Case note" }` / `{ value = true }` / `{ value = ["safe"] }` is the same for
  every item.
- Secrets are never in the file: `token_env`, `key_env`, `client_secret_env` (and `url_env`,
  `client_id_env`) name environment variables, read when the connector is built. Any other string
  may use `${VAR}` or `${VAR:-default}`.
- Unknown keys are errors, and TOML types are taken as written (`1` is not `"1"`).
"""


def models_of(kinds: Mapping[str, ConnectorKind[Any]]) -> list[tuple[str, type[BaseModel]]]:
    """Every table the reference describes, as (heading, model), parents before the tables they hold."""
    sections: list[tuple[str, type[BaseModel]]] = [
        ("`[defaults]`", Defaults), ("`[agencies.<key>]`: every kind", AgencyConfig),
        ("Web connectors (`fhir`, `rest`)", HttpAgencyConfig),
    ]
    sections += [(f'`[agencies.<key>.auth]` with `type = "{_literal(m, "type")}"`', m) for m in AUTH_MODELS]
    for name, kind in kinds.items():
        sections.append((f'`kind = "{name}"`', kind.model))
    seen = {model for _, model in sections}
    index = 0
    while index < len(sections):  # tables found inside tables are described after them
        model = sections[index][1]
        index += 1
        for nested in _nested(model):
            if nested not in seen:
                seen.add(nested)
                sections.append((_heading(nested), nested))
    return sections


def markdown(kinds: Mapping[str, ConnectorKind[Any]]) -> str:
    """The whole reference page."""
    parts = [INTRO]
    for heading, model in models_of(kinds):
        parts.append(f"## {heading}\n\n<a id=\"{_anchor(model)}\"></a>{_doc(model)}\n")
        parts.append("| key | type | default | description |\n|---|---|---|---|")
        for key, info in _own_fields(model):
            parts.append(f"| `{key}` | {_type(info)} | {_default(info)} | {_describe(model, key, info)} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def undocumented(kinds: Mapping[str, ConnectorKind[Any]]) -> list[str]:
    """`Model.key` for every key without a description."""
    return [f"{model.__name__}.{key}" for _, model in models_of(kinds) for key, info in _own_fields(model)
            if not (info.description or "").strip()]


def _own_fields(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo]]:
    """Fields the model adds (or narrows, like `kind`) over the documented parent tables."""
    parents = [p for p in (HttpAgencyConfig, AgencyConfig) if p is not model and issubclass(model, p)]
    inherited = parents[0].model_fields if parents else {}
    for name, info in model.model_fields.items():
        if name in inherited and inherited[name].annotation == info.annotation:
            continue
        yield info.alias or name, info


def _describe(model: type[BaseModel], key: str, info: FieldInfo) -> str:
    text = (info.description or "").strip()
    if not text:
        raise ValueError(f"{model.__name__}.{key} has no description")
    return text.replace("|", "\\|").replace("\n", " ")


def _heading(model: type[BaseModel]) -> str:
    """A nested table's heading: its docstring up to the first colon (`[[agencies.<key>.queries]]`)."""
    first = _doc(model).split(": ", 1)[0]
    return first if first.startswith("`") else f"`{model.__name__}`"


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def _anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def _type(info: FieldInfo) -> str:
    marker = next((m for m in info.metadata if isinstance(m, Marker)), None)
    return marker.name if marker else _render(info.annotation)


def _render(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        marker = next((m for m in get_args(annotation)[1:] if isinstance(m, Marker)), None)
        return marker.name if marker else _render(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return " or ".join(_render(a) for a in get_args(annotation) if a is not type(None))
    if origin is Literal:
        return " or ".join(f'`"{a}"`' for a in get_args(annotation))
    if origin is list:
        return f"list of {_render(get_args(annotation)[0])}"
    if origin is dict:
        return f"table of {_render(get_args(annotation)[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"table ([{annotation.__name__}](#{_anchor(annotation)}))"
    return {str: "text", bool: "true or false", int: "whole number", float: "number"}.get(annotation, str(annotation))


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    if isinstance(value, list | tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`" if value else "`[]`"
    if isinstance(value, dict):
        return "`{ " + ", ".join(f'{k} = "{v}"' for k, v in value.items()) + " }`" if value else "`{}`"
    return f"`{value}`"


def _nested(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for _, info in _own_fields(model):
        yield from _models_in(info.annotation)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in (FromField, FromTemplate, FixedText, FixedFlag, FixedTags, *AUTH_MODELS):
            yield annotation
        return
    for arg in get_args(annotation):
        yield from _models_in(arg)


def _literal(model: type[BaseModel], key: str) -> str:
    return str(get_args(model.model_fields[key].annotation)[0])
