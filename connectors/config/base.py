"""The building blocks of the typed connectors config: strict tables, the three kinds of string, value sources.

One rule holds in every table: a key's type says how its string is read.

- a *field path* (`start_date`, `named_person.name`) names a value in the source's item or row;
- a *template* (`"{reason}.[ {openings_lost} openings lost.]"`) is text with `{path}` placeholders, and
  `[...]` segments dropped unless all their placeholders have values; text without placeholders is literal;
- plain *text* is used as written (a name, a URL, a statement).

A key that may either be stated or read from the item takes a *value source* table, so the choice is
always written down: `{ field = "outcome" }`, `{ template = "Outcome: {outcome}" }` or `{ value = true }`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class StrictModel(BaseModel):
    """Every config table: unknown keys are errors, TOML types are taken as written (no "1" for 1)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Marker:
    """How the reference names a string type ("field path", "template", …) in `docs/connectors.md`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Marker({self.name!r})"


def _field_path(value: str) -> str:
    if not _PATH.match(value):
        hint = " (a template? this key takes a field path)" if "{" in value else ""
        raise PydanticCustomError("field_path", "must be a field path such as `start_date` or `asn.plan_type`, "
                                  f"not {value!r}{hint}")
    return value


def _template(value: str) -> str:
    for placeholder in _PLACEHOLDER.findall(value):
        if not _PATH.match(placeholder):
            raise PydanticCustomError("template", f"has a placeholder that is not a field path: {{{placeholder}}}")
    if value.count("{") != value.count("}") or value.count("[") != value.count("]"):
        raise PydanticCustomError("template", "has unbalanced braces or brackets")
    return value


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise PydanticCustomError("env_name", f"must be the name of an environment variable, not {value!r}")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "must not be empty")
    return value


FieldPath = Annotated[str, AfterValidator(_field_path), Marker("field path")]
Template = Annotated[str, AfterValidator(_template), Marker("template")]
EnvName = Annotated[str, AfterValidator(_env_name), Marker("environment variable name")]
Text = Annotated[str, AfterValidator(_text), Marker("text")]
PositiveInt = Annotated[int, Field(ge=1), Marker("whole number ≥ 1")]
Count = Annotated[int, Field(ge=0), Marker("whole number ≥ 0")]


class FromField(StrictModel):
    """Read the value from the item."""

    field: FieldPath = Field(description="Field path in the source's item or row.")


class FromTemplate(StrictModel):
    """Fill a template from the item."""

    template: Template = Field(description="Template filled from the item's fields.")


class FixedText(StrictModel):
    """The same text for every item."""

    value: Text = Field(description="The text, used as written.")


class FixedFlag(StrictModel):
    """The same yes/no for every item."""

    value: bool = Field(description="`true` or `false` for every item.")


class FixedTags(StrictModel):
    """The same list for every item."""

    value: list[Text] = Field(description="The list, used as written.")


def _source_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        present = [key for key in ("field", "template", "value") if key in value]
        if len(present) == 1:
            return f"={present[0]}"
    if isinstance(value, BaseModel):
        if isinstance(value, FromField | FromTemplate):
            return "=field" if isinstance(value, FromField) else "=template"
        return "=value"
    return None


def tagged_by(key: str, known: tuple[str, ...]) -> Discriminator:
    """Choose a union member by the table's `key` (`kind`, `type`); tags are the value with '=' in front."""
    def tag(value: Any) -> str | None:
        if isinstance(value, dict):
            chosen = value.get(key)
            return f"={chosen}" if isinstance(chosen, str) and chosen in known else None
        chosen = getattr(value, key, None)
        return f"={chosen}" if isinstance(chosen, str) else None

    return Discriminator(tag, custom_error_type="unknown_tag", custom_error_context={"key": key},
                         custom_error_message=", ".join(known))


def _discriminator(*keys: str) -> Discriminator:
    choices = " or ".join(f"`{{ {key} = … }}`" for key in keys)
    return Discriminator(_source_tag, custom_error_type="value_source",
                         custom_error_message=f"must be a table with exactly one of {choices}")


# Tags start with "=" so error locations can leave them out (they are not keys a person wrote).
TextSource = Annotated[
    Annotated[FromField, Tag("=field")] | Annotated[FromTemplate, Tag("=template")]
    | Annotated[FixedText, Tag("=value")],
    _discriminator("field", "template", "value"), Marker("{ field } or { template } or { value = text }"),
]
FlagSource = Annotated[
    Annotated[FromField, Tag("=field")] | Annotated[FixedFlag, Tag("=value")],
    _discriminator("field", "value"), Marker("{ field } or { value = true/false }"),
]
TagsSource = Annotated[
    Annotated[FromField, Tag("=field")] | Annotated[FixedTags, Tag("=value")],
    _discriminator("field", "value"), Marker("{ field } or { value = [list] }"),
]
