"""Configured mapping of one source item (a JSON object or a SQL row) to an event or a key fact.

Used by the REST and SQL connectors so that an agency's field names live in the
connectors config, not in code. The tables are validated first (connectors.config.items): each
key is a *path* into the item (`"named_person.name"`), a *template*
(`"{reason}. {openings_lost} openings lost."`) or a value source that says which; templates
substitute paths only, never evaluate anything.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.config.base import FixedFlag, FixedTags, FixedText, FromField, FromTemplate
from connectors.config.items import EventSpec, FactSpec, ItemSpec, PercentageSpec
from connectors.errors import MalformedResponseError
from connectors.models import LABEL_NORMAL, LABELS, SHANARRI, ChronologyEvent, DateCertainty, KeyFact, ThirdParty

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_FALSE_STRINGS = {"", "0", "false", "no", "n", "none", "null"}
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
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def as_text(value: Any) -> str:
    """A value as a practitioner should read it: lists joined, booleans as yes/no, None as empty."""
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
    parts = _parsed(template)
    if parts is None:
        text = _render_by_substitution(template, item)
    else:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            values = [as_text(lookup(item, path)) if index % 2 else path for index, path in enumerate(part.pieces)]
            if not part.optional or all(values[1::2]):
                out.extend(values)
        text = "".join(out)
    if _MAY_NEED_TIDYING.search(text):
        text = _EMPTY_BRACKETS.sub("", text)
        text = _SPACE_BEFORE_STOP.sub(r"\1", text)
        text = _REPEATED_STOPS.sub(r"\1", text)
        text = _STOP_BEFORE_BRACKET.sub(" ", text)
        text = _SPACES.sub(" ", text)
    return text.lstrip(" ,;:.").rstrip(" ,;:")


@dataclass(frozen=True)
class _Segment:
    """Literal text and placeholder paths in turn (`pieces[1::2]` are paths); optional: dropped unless all filled."""
    pieces: tuple[str, ...]
    optional: bool


@functools.lru_cache(maxsize=2048)
def _parsed(template: str) -> tuple[str | _Segment, ...] | None:
    """`template` split once into literal text and segments (render runs for every item shown, on few templates).

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


def _render_by_substitution(template: str, item: Mapping[str, Any]) -> str:
    def optional(match: re.Match[str]) -> str:
        paths = _PLACEHOLDER.findall(match.group(1))
        return match.group(1) if all(as_text(lookup(item, p)) for p in paths) else ""

    text = _OPTIONAL.sub(optional, template) if "[" in template else template
    return _PLACEHOLDER.sub(lambda m: as_text(lookup(item, m.group(1))), text)


def truthy(value: Any) -> bool:
    """Source flags arrive as bools, 0/1 or strings; any other non-empty text (a name) counts as present."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_STRINGS
    return bool(value)


def parse_source_date(value: Any, *, what: str) -> date | None:
    """An ISO date or instant from a source; None when absent. Unparseable dates are a malformed answer."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as e:
        raise MalformedResponseError(f"{what} sent a date that could not be read") from e


def third_parties(value: Any) -> tuple[ThirdParty, ...]:
    """People an item names besides the child: a list of {name, role}, or that list as JSON text (SQL)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError as e:
            raise MalformedResponseError("a source sent third-party markers that could not be read") from e
    if not isinstance(value, list):
        return ()
    found = []
    for entry in value:
        if isinstance(entry, Mapping) and as_text(entry.get("name")).strip():
            found.append(ThirdParty(as_text(entry.get("name")).strip(), as_text(entry.get("role")).strip() or "Adult"))
    return tuple(found)


@dataclass(frozen=True)
class ItemContext:
    """Where mapped items come from and whom they belong to."""

    agency: str
    display_name: str
    source_system: str
    subject_id: str


class _Mapping:
    """Shared handling of a validated item table (connectors.config.items): conditions, labels, family marks."""

    def __init__(self, spec: ItemSpec) -> None:
        self.spec = spec

    @property
    def always_applies(self) -> bool:
        """No `when`/`unless` condition: every item becomes one."""
        return not (self.spec.when or self.spec.unless)

    def applies_to(self, item: Mapping[str, Any]) -> bool:
        when, unless = self.spec.when, self.spec.unless
        if when and not truthy(lookup(item, when)):
            return False
        return not (unless and truthy(lookup(item, unless)))

    def family_marks(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The source's "not for the child or family" flag and third-party markers, by configured path.

        `names_person` / `names_role` name the person an item is about (a contact), so names can be substituted.
        """
        named = third_parties(lookup(item, self.spec.third_parties))
        person = self.spec.names_person  # an item that is about one person (e.g. a family contact)
        if person and as_text(lookup(item, person)).strip():
            role = as_text(lookup(item, self.spec.names_role)).strip() if self.spec.names_role else ""
            named += (ThirdParty(as_text(lookup(item, person)).strip(), role or "Adult"),)
        return {
            "not_for_family": truthy(lookup(item, self.spec.not_for_family)),
            "third_party": truthy(lookup(item, self.spec.third_party)),
            "third_parties": named,
        }

    def label(self, item: Mapping[str, Any]) -> str:
        return read_label(item, self.spec.label)


def read_label(item: Mapping[str, Any], path: str) -> str:
    value = as_text(lookup(item, path)) or LABEL_NORMAL
    if value not in LABELS:
        # An unknown label is treated as the most restrictive, never as normal.
        return LABELS[-1]
    return value


def read_text(source: FromField | FromTemplate | FixedText | None, item: Mapping[str, Any]) -> str | None:
    """A text value source: the field's value, the filled template or the fixed text; None when empty."""
    if source is None:
        return None
    if isinstance(source, FromField):
        value = as_text(lookup(item, source.field))
    elif isinstance(source, FromTemplate):
        value = render(source.template, item)
    else:
        value = source.value
    return value or None


class EventMapping(_Mapping):
    """`[... .event]` table: date, title, summary, category and the optional chronology fields."""

    spec: EventSpec

    def __init__(self, spec: EventSpec, default_category: str) -> None:
        super().__init__(spec)
        self.date_path = spec.date
        self.category = spec.category or default_category

    @property
    def significant_field(self) -> str | None:
        """The field a source can filter significant events on, when significance is read from the item."""
        return self.spec.significant.field if isinstance(self.spec.significant, FromField) else None

    @property
    def significant_fixed(self) -> bool | None:
        """Significance stated for every item (`{ value = … }`), or None when read from the item or defaulted."""
        return self.spec.significant.value if isinstance(self.spec.significant, FixedFlag) else None

    def build(self, item: Mapping[str, Any], ctx: ItemContext, record_id: str) -> ChronologyEvent | None:
        """The event for `item`, or None when its `when`/`unless` conditions exclude it."""
        if not self.applies_to(item):
            return None
        spec = self.spec
        when = parse_source_date(lookup(item, spec.date), what=ctx.display_name)
        if when is None:
            raise MalformedResponseError(f"{ctx.display_name} sent a record without a date")
        certainty = as_text(lookup(item, spec.date_certainty)) if spec.date_certainty else ""
        return ChronologyEvent(
            agency=ctx.agency,
            source_system=ctx.source_system,
            source_record_id=record_id,
            event_date=when,
            end_date=parse_source_date(lookup(item, spec.end_date), what=ctx.display_name) if spec.end_date else None,
            date_certainty=DateCertainty(certainty) if certainty in DateCertainty._value2member_map_ else
            DateCertainty.EXACT,
            title=render(spec.title, item),
            summary=render(spec.summary, item),
            category=self.category,
            event_type=spec.event_type,
            sequence=int(lookup(item, spec.sequence) or 0) if spec.sequence else 0,
            author_role=read_text(spec.author_role, item),
            significant=self._significant(item),
            shanarri=self._shanarri(item),
            security_label=self.label(item),
            action=read_text(spec.action, item),
            impact=read_text(spec.impact, item),
            subject_source_id=ctx.subject_id,
            **self.family_marks(item),
        )

    def _significant(self, item: Mapping[str, Any]) -> bool:
        source = self.spec.significant
        if source is None:
            return True
        return source.value if isinstance(source, FixedFlag) else truthy(lookup(item, source.field))

    def _shanarri(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        source = self.spec.shanarri
        raw: Any = None if source is None else source.value if isinstance(source, FixedTags) else \
            lookup(item, source.field)
        if isinstance(raw, str):
            raw = raw.split(",")
        tags = [str(t).strip().lower() for t in raw or ()]
        return tuple(t for t in tags if t in SHANARRI)


class FactMapping(_Mapping):
    """`[[... .facts]]` entry: a KIS field whose value is a template over the item."""

    spec: FactSpec

    def __init__(self, spec: FactSpec, default_category: str) -> None:
        super().__init__(spec)
        self.field = spec.field
        self.category = spec.category or default_category

    def build(self, item: Mapping[str, Any], ctx: ItemContext, record_id: str | None) -> KeyFact | None:
        """The fact for `item`, or None when excluded or empty."""
        if not self.applies_to(item):
            return None
        value = render(self.spec.value, item)
        if not value:
            return None
        as_of = parse_source_date(lookup(item, self.spec.as_of), what=ctx.display_name) if self.spec.as_of else None
        return KeyFact(
            field=self.field,
            value=value,
            agency=ctx.agency,
            source_system=ctx.source_system,
            as_of=datetime.combine(as_of, datetime.min.time()) if as_of else None,
            category=self.category,
            security_label=self.label(item),
            source_record_id=record_id,
            **self.family_marks(item),
        )


class PercentageSummary:
    """Turns period-by-period counts (e.g. weekly attendance) into a pattern, not a register.

    Gives one key fact over all items ("91% of openings attended over 12 weeks") and,
    when `event_below_percent` is set, one event for each period below that level.
    """

    def __init__(self, spec: PercentageSpec, default_category: str) -> None:
        self.spec = spec
        self.field = spec.field
        self.category = spec.category or default_category

    def label(self, item: Mapping[str, Any]) -> str:
        return read_label(item, self.spec.label)

    def build(self, items: list[Mapping[str, Any]], ctx: ItemContext) -> tuple[list[ChronologyEvent], list[KeyFact]]:
        """The summary fact and any low-period events for these items."""
        spec = self.spec
        counted = [(self._number(i, spec.numerator, ctx), self._number(i, spec.denominator, ctx), i) for i in items]
        counted = [(n, d, i) for n, d, i in counted if d > 0]
        if not counted:
            return [], []
        label = max((self.label(i) for _, _, i in counted), key=LABELS.index)
        fact = self._fact(sum(n for n, _, _ in counted), sum(d for _, d, _ in counted), len(counted), label, ctx)
        below = spec.event_below_percent
        events = [self._low_event(n, d, i, ctx) for n, d, i in counted if below is not None and 100 * n / d < below]
        return events, [fact]

    def from_summary(self, summary: Mapping[str, Any], count_field: str, ctx: ItemContext) -> KeyFact | None:
        """The same fact from the source's own sums (numerator and denominator under the items' field names)."""
        numerator, denominator = (self._number(summary, path, ctx) for path in (self.spec.numerator,
                                                                                  self.spec.denominator))
        count = int(self._number(summary, count_field, ctx))
        if denominator <= 0 or count <= 0:
            return None
        return self._fact(numerator, denominator, count, self.label(summary), ctx)

    def low_events(self, items: list[Mapping[str, Any]], ctx: ItemContext) -> list[ChronologyEvent]:
        """The low-period events among `items` (a list the source has already filtered to low periods)."""
        below = self.spec.event_below_percent
        counted = [(self._number(i, self.spec.numerator, ctx), self._number(i, self.spec.denominator, ctx), i)
                   for i in items]
        return [self._low_event(n, d, i, ctx) for n, d, i in counted
                if below is not None and d > 0 and 100 * n / d < below]

    def _fact(self, numerator: float, denominator: float, count: int, label: str, ctx: ItemContext) -> KeyFact:
        percent = round(100 * numerator / denominator)
        return KeyFact(field=self.field, value=render(self.spec.value, {"percent": percent, "count": count}),
                       agency=ctx.agency, source_system=ctx.source_system, category=self.category,
                       security_label=label)

    def _low_event(self, numerator: float, denominator: float, item: Mapping[str, Any],
                   ctx: ItemContext) -> ChronologyEvent:
        assert self.spec.event_date is not None and self.spec.event_title is not None  # the model requires both
        when = parse_source_date(lookup(item, self.spec.event_date), what=ctx.display_name)
        if when is None:
            raise MalformedResponseError(f"{ctx.display_name} sent a record without a date")
        values = {**item, "percent": round(100 * numerator / denominator)}
        return ChronologyEvent(
            agency=ctx.agency, source_system=ctx.source_system, source_record_id=f"{self.field}:{when.isoformat()}",
            event_date=when, title=render(self.spec.event_title, values), category=self.category,
            event_type=self.field, significant=True, shanarri=("achieving", "included"),
            security_label=self.label(item), subject_source_id=ctx.subject_id,
        )

    @staticmethod
    def _number(item: Mapping[str, Any], path: str, ctx: ItemContext) -> float:
        value = lookup(item, path)
        try:
            return float(value or 0)
        except (TypeError, ValueError) as e:
            raise MalformedResponseError(f"{ctx.display_name} sent a count that is not a number") from e
