"""Configured mapping of one source item (a JSON object or a SQL row) to an event or a key fact.

Used by the REST and SQL connectors so that an agency's field names live in the
connectors config, not in code. Values in the config are either *paths* into the
item (`"named_person.name"`) or *templates* (`"{reason}. {openings_lost} openings lost."`);
templates substitute paths only, never evaluate anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from connectors.errors import ConfigurationError, MalformedResponseError
from connectors.models import LABEL_NORMAL, LABELS, SHANARRI, ChronologyEvent, DateCertainty, KeyFact, ThirdParty

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_FALSE_STRINGS = {"", "0", "false", "no", "n", "none", "null"}


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
    def optional(match: re.Match[str]) -> str:
        paths = _PLACEHOLDER.findall(match.group(1))
        return match.group(1) if all(as_text(lookup(item, p)) for p in paths) else ""

    text = _OPTIONAL.sub(optional, template)
    text = _PLACEHOLDER.sub(lambda m: as_text(lookup(item, m.group(1))), text)
    text = re.sub(r"\(\s*\)", "", text)  # "()" around an empty value
    text = re.sub(r"\s+([.,;:])", r"\1", text)  # " ." left by an empty value
    text = re.sub(r"([.,;:])(\s*[.,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*(?=\()", " ", text)  # "name, (school)" when the role is missing
    return re.sub(r"\s{2,}", " ", text).lstrip(" ,;:.").rstrip(" ,;:")


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


class _Spec:
    """Shared handling of literal-or-path settings."""

    def __init__(self, table: Mapping[str, Any], where: str) -> None:
        self.table = dict(table)
        self.where = where

    def required(self, key: str) -> Any:
        if key not in self.table or self.table[key] in (None, ""):
            raise ConfigurationError(f"{self.where}: '{key}' is required")
        return self.table[key]

    @property
    def always_applies(self) -> bool:
        """No `when`/`unless` condition: every item becomes one."""
        return not (self.table.get("when") or self.table.get("unless"))

    def applies_to(self, item: Mapping[str, Any]) -> bool:
        when, unless = self.table.get("when"), self.table.get("unless")
        if when and not truthy(lookup(item, when)):
            return False
        return not (unless and truthy(lookup(item, unless)))

    def flag(self, key: str, item: Mapping[str, Any], default: bool) -> bool:
        setting = self.table.get(key)
        if setting is None:
            return default
        return setting if isinstance(setting, bool) else truthy(lookup(item, setting))

    def family_marks(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """The source's "not for the child or family" flag and third-party markers, by configured path.

        Unset paths default to the field names `not_for_family`, `third_party` and `third_parties`;
        `names_person` / `names_role` name the person an item is about (a contact), so names can be substituted.
        """
        named = third_parties(lookup(item, str(self.table.get("third_parties", "third_parties"))))
        person = self.table.get("names_person")  # an item that is about one person (e.g. a family contact)
        if person and as_text(lookup(item, str(person))).strip():
            role = as_text(lookup(item, str(self.table.get("names_role", "")))).strip() or "Adult"
            named += (ThirdParty(as_text(lookup(item, str(person))).strip(), role),)
        return {
            "not_for_family": truthy(lookup(item, str(self.table.get("not_for_family", "not_for_family")))),
            "third_party": truthy(lookup(item, str(self.table.get("third_party", "third_party")))),
            "third_parties": named,
        }

    def label(self, item: Mapping[str, Any]) -> str:
        path = self.table.get("label", "security_label")
        value = as_text(lookup(item, path)) or LABEL_NORMAL
        if value not in LABELS:
            # An unknown label is treated as the most restrictive, never as normal.
            return LABELS[-1]
        return value


class EventMapping(_Spec):
    """`[... .event]` table: date, title, summary, category and the optional chronology fields."""

    def __init__(self, table: Mapping[str, Any], where: str, default_category: str) -> None:
        super().__init__(table, where)
        self.date_path = str(self.required("date"))
        self.title = str(self.required("title"))
        self.category = str(self.table.get("category", default_category))
        if not self.category:
            raise ConfigurationError(f"{where}: 'category' is required")

    def build(self, item: Mapping[str, Any], ctx: ItemContext, record_id: str) -> ChronologyEvent | None:
        """The event for `item`, or None when its `when`/`unless` conditions exclude it."""
        if not self.applies_to(item):
            return None
        when = parse_source_date(lookup(item, self.date_path), what=ctx.display_name)
        if when is None:
            raise MalformedResponseError(f"{ctx.display_name} sent a record without a date")
        end_path = self.table.get("end_date")
        certainty_path = self.table.get("date_certainty")
        certainty = as_text(lookup(item, certainty_path)) if certainty_path else ""
        return ChronologyEvent(
            agency=ctx.agency,
            source_system=ctx.source_system,
            source_record_id=record_id,
            event_date=when,
            end_date=parse_source_date(lookup(item, end_path), what=ctx.display_name) if end_path else None,
            date_certainty=DateCertainty(certainty) if certainty in DateCertainty._value2member_map_ else
            DateCertainty.EXACT,
            title=render(self.title, item),
            summary=render(str(self.table.get("summary", "")), item),
            category=self.category,
            event_type=str(self.table.get("event_type", "")),
            sequence=int(lookup(item, self.table["sequence"]) or 0) if "sequence" in self.table else 0,
            author_role=self._text("author_role", item),
            significant=self.flag("significant", item, default=True),
            shanarri=self._shanarri(item),
            security_label=self.label(item),
            action=self._text("action", item),
            impact=self._text("impact", item),
            subject_source_id=ctx.subject_id,
            **self.family_marks(item),
        )

    def _text(self, key: str, item: Mapping[str, Any]) -> str | None:
        setting = self.table.get(key)
        if not setting:
            return None
        # A setting with a placeholder is a template; otherwise it is a path into the item.
        value = render(setting, item) if "{" in setting else as_text(lookup(item, setting))
        return value or None

    def _shanarri(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        setting = self.table.get("shanarri")
        raw: Any = setting if isinstance(setting, list) else lookup(item, setting) if setting else None
        if isinstance(raw, str):
            raw = raw.split(",")
        tags = [str(t).strip().lower() for t in raw or ()]
        return tuple(t for t in tags if t in SHANARRI)


class FactMapping(_Spec):
    """`[[... .facts]]` entry: a KIS field whose value is a template over the item."""

    def __init__(self, table: Mapping[str, Any], where: str, default_category: str) -> None:
        super().__init__(table, where)
        self.field = str(self.required("field"))
        self.value = str(self.required("value"))
        self.category = str(self.table.get("category", default_category))
        if not self.category:
            raise ConfigurationError(f"{where}: 'category' is required")

    def build(self, item: Mapping[str, Any], ctx: ItemContext, record_id: str | None) -> KeyFact | None:
        """The fact for `item`, or None when excluded or empty."""
        if not self.applies_to(item):
            return None
        value = render(self.value, item)
        if not value:
            return None
        as_of_path = self.table.get("as_of")
        as_of = parse_source_date(lookup(item, as_of_path), what=ctx.display_name) if as_of_path else None
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


def build_facts(tables: Any, where: str, default_category: str) -> list[FactMapping]:
    """FactMappings from a TOML array of tables, with errors naming where they are."""
    if tables is None:
        return []
    if not isinstance(tables, list):
        raise ConfigurationError(f"{where}: 'facts' must be an array of tables ([[...facts]])")
    return [FactMapping(t, f"{where}.facts[{i}]", default_category) for i, t in enumerate(tables)]


class PercentageSummary(_Spec):
    """Turns period-by-period counts (e.g. weekly attendance) into a pattern, not a register.

    Gives one key fact over all items ("91% of openings attended over 12 weeks") and,
    when `event_below_percent` is set, one event for each period below that level.
    """

    def __init__(self, table: Mapping[str, Any], where: str, default_category: str) -> None:
        super().__init__(table, where)
        self.field = str(self.required("field"))
        self.numerator = str(self.required("numerator"))
        self.denominator = str(self.required("denominator"))
        self.value = str(self.table.get("value", "{percent}% over {count} periods"))
        self.category = str(self.table.get("category", default_category))
        self.below = self.table.get("event_below_percent")
        if self.below is not None:
            self.event_date = str(self.required("event_date"))
            self.event_title = str(self.required("event_title"))

    def build(self, items: list[Mapping[str, Any]], ctx: ItemContext) -> tuple[list[ChronologyEvent], list[KeyFact]]:
        """The summary fact and any low-period events for these items."""
        counted = [(self._number(i, self.numerator, ctx), self._number(i, self.denominator, ctx), i) for i in items]
        counted = [(n, d, i) for n, d, i in counted if d > 0]
        if not counted:
            return [], []
        percent = round(100 * sum(n for n, _, _ in counted) / sum(d for _, d, _ in counted))
        label = max((self.label(i) for _, _, i in counted), key=LABELS.index)
        fact = KeyFact(field=self.field, value=render(self.value, {"percent": percent, "count": len(counted)}),
                       agency=ctx.agency, source_system=ctx.source_system, category=self.category,
                       security_label=label)
        events = [self._low_event(n, d, i, ctx) for n, d, i in counted if self.below is not None
                  and 100 * n / d < float(self.below)]
        return events, [fact]

    def _low_event(self, numerator: float, denominator: float, item: Mapping[str, Any],
                   ctx: ItemContext) -> ChronologyEvent:
        when = parse_source_date(lookup(item, self.event_date), what=ctx.display_name)
        if when is None:
            raise MalformedResponseError(f"{ctx.display_name} sent a record without a date")
        values = {**item, "percent": round(100 * numerator / denominator)}
        return ChronologyEvent(
            agency=ctx.agency, source_system=ctx.source_system, source_record_id=f"{self.field}:{when.isoformat()}",
            event_date=when, title=render(self.event_title, values), category=self.category,
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
