"""Configured mapping of one source item (a JSON object or a SQL row) to an event or a key fact.

Used by the REST and SQL connectors so that an agency's field names live in the
connectors config, not in code. The tables are validated first (connectors.config.items): each
key is a *path* into the item (`"named_person.name"`), a *template*
(`"{reason}. {openings_lost} openings lost."`) or a value source that says which; templates
substitute paths only, never evaluate anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.config.base import FixedFlag, FixedTags, FixedText, FromField, FromTemplate
from connectors.config.items import EventSpec, FactSpec, ItemSpec, PercentageSpec
from connectors.errors import MalformedResponseError
from connectors.item_text import Getter, Renderer, as_text, getter, lookup, render, renderer
from connectors.models import LABEL_NORMAL, LABELS, SHANARRI, ChronologyEvent, DateCertainty, KeyFact, ThirdParty

_FALSE_STRINGS = {"", "0", "false", "no", "n", "none", "null"}
_CERTAINTIES = {certainty.value: certainty for certainty in DateCertainty}

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


def _nothing(_item: Mapping[str, Any]) -> None:
    return None


def _optional(path: str | None) -> Getter | None:
    return getter(path) if path else None


class _Mapping:
    """Shared handling of a validated item table (connectors.config.items): conditions, labels, family marks.

    Each path and template is compiled once here (connectors.item_text): a table maps every item a source sends.
    """

    def __init__(self, spec: ItemSpec) -> None:
        self.spec = spec
        self._when, self._unless = _optional(spec.when), _optional(spec.unless)
        self._label = getter(spec.label)
        self._not_for_family, self._third_party = getter(spec.not_for_family), getter(spec.third_party)
        self._third_parties = getter(spec.third_parties)
        self._person, self._role = _optional(spec.names_person), _optional(spec.names_role)

    @property
    def always_applies(self) -> bool:
        """No `when`/`unless` condition: every item becomes one."""
        return not (self.spec.when or self.spec.unless)

    def applies_to(self, item: Mapping[str, Any]) -> bool:
        if self._when is not None and not truthy(self._when(item)):
            return False
        return not (self._unless is not None and truthy(self._unless(item)))

    def family_marks(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The source's "not for the child or family" flag and third-party markers, by configured path.

        `names_person` / `names_role` name the person an item is about (a contact), so names can be substituted.
        """
        listed = self._third_parties(item)
        named = third_parties(listed) if listed is not None else ()
        person = as_text(self._person(item)).strip() if self._person is not None else ""
        if person:  # an item that is about one person (e.g. a family contact)
            role = as_text(self._role(item)).strip() if self._role is not None else ""
            named += (ThirdParty(person, role or "Adult"),)
        return {
            "not_for_family": truthy(self._not_for_family(item)),
            "third_party": truthy(self._third_party(item)),
            "third_parties": named,
        }

    def label(self, item: Mapping[str, Any]) -> str:
        return _known_label(as_text(self._label(item)))


def read_label(item: Mapping[str, Any], path: str) -> str:
    return _known_label(as_text(lookup(item, path)))


def _known_label(value: str) -> str:
    value = value or LABEL_NORMAL
    if value not in LABELS:
        # An unknown label is treated as the most restrictive, never as normal.
        return LABELS[-1]
    return value


TextReader = Callable[[Mapping[str, Any]], str | None]


def text_reader(source: FromField | FromTemplate | FixedText | None) -> TextReader:
    """A text value source as a function of the item: the field's value, the filled template or the fixed text;
    None when empty."""
    if source is None:
        return _nothing
    if isinstance(source, FromField):
        return _FieldText(getter(source.field))
    if isinstance(source, FromTemplate):
        return _FieldText(renderer(source.template))
    fixed = source.value or None
    return lambda _item: fixed


@dataclass(frozen=True)
class _FieldText:
    read: Getter | Renderer

    def __call__(self, item: Mapping[str, Any]) -> str | None:
        return as_text(self.read(item)) or None


class EventMapping(_Mapping):
    """`[... .event]` table: date, title, summary, category and the optional chronology fields."""

    spec: EventSpec

    def __init__(self, spec: EventSpec, default_category: str) -> None:
        super().__init__(spec)
        self.date_path = spec.date
        self.category = spec.category or default_category
        self._always = self.always_applies
        self._date, self._end_date = getter(spec.date), _optional(spec.end_date)
        self._certainty, self._sequence = _optional(spec.date_certainty), _optional(spec.sequence)
        self._title, self._summary = renderer(spec.title), renderer(spec.summary)
        self._author_role, self._action, self._impact = (text_reader(spec.author_role), text_reader(spec.action),
                                                         text_reader(spec.impact))
        significant = spec.significant
        self._significant_field = getter(significant.field) if isinstance(significant, FromField) else None
        self._significant_fixed = significant.value if isinstance(significant, FixedFlag) else True
        shanarri = spec.shanarri
        self._shanarri_field = getter(shanarri.field) if isinstance(shanarri, FromField) else None
        self._shanarri_fixed = _shanarri_tags(shanarri.value if isinstance(shanarri, FixedTags) else None)

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
        if not self._always and not self.applies_to(item):
            return None
        when = parse_source_date(self._date(item), what=ctx.display_name)
        if when is None:
            raise MalformedResponseError(f"{ctx.display_name} sent a record without a date")
        certainty = as_text(self._certainty(item)) if self._certainty is not None else ""
        return ChronologyEvent(
            agency=ctx.agency,
            source_system=ctx.source_system,
            source_record_id=record_id,
            event_date=when,
            end_date=parse_source_date(self._end_date(item), what=ctx.display_name) if self._end_date else None,
            date_certainty=_CERTAINTIES.get(certainty, DateCertainty.EXACT),
            title=self._title(item),
            summary=self._summary(item),
            category=self.category,
            event_type=self.spec.event_type,
            sequence=int(self._sequence(item) or 0) if self._sequence is not None else 0,
            author_role=self._author_role(item),
            significant=truthy(self._significant_field(item)) if self._significant_field is not None else
            self._significant_fixed,
            shanarri=_shanarri_tags(self._shanarri_field(item)) if self._shanarri_field is not None else
            self._shanarri_fixed,
            security_label=self.label(item),
            action=self._action(item),
            impact=self._impact(item),
            subject_source_id=ctx.subject_id,
            **self.family_marks(item),
        )


def _shanarri_tags(raw: Any) -> tuple[str, ...]:
    """The SHANARRI indicators in a list, or in comma-separated text; anything else is left out."""
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
        self._value, self._as_of = renderer(spec.value), _optional(spec.as_of)

    def build(self, item: Mapping[str, Any], ctx: ItemContext, record_id: str | None) -> KeyFact | None:
        """The fact for `item`, or None when excluded or empty."""
        if not self.applies_to(item):
            return None
        value = self._value(item)
        if not value:
            return None
        as_of = parse_source_date(self._as_of(item), what=ctx.display_name) if self._as_of is not None else None
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
