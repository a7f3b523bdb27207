"""How one source item (a JSON object or a SQL row) becomes a chronology event or a key fact.

Shared by the REST and SQL kinds: `[... .event]`, `[[... .facts]]`, `[[... .person_facts]]` and
`[... .percentage]` tables. Which string is a field path and which a template is fixed per key (see
connectors.config.base); the keys that may be either take a value source table.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from connectors.config.base import (
    FieldPath,
    FixedTags,
    FlagSource,
    StrictModel,
    TagsSource,
    Template,
    Text,
    TextSource,
)
from connectors.models import SHANARRI


class ItemSpec(StrictModel):
    """Keys every event and fact table shares: conditions, security label, family and third-party marks."""

    category: Text | None = Field(default=None,
                                  description="Data category of what this table makes (default: the first "
                                  "of the enclosing table's `categories`).")
    when: FieldPath | None = Field(default=None, description="Only items where this field is set and true.")
    unless: FieldPath | None = Field(default=None, description="Only items where this field is empty or false.")
    label: FieldPath = Field(default="security_label", description="Field holding the security label (N, R or V); an "
                             "unknown label is treated as V.")
    not_for_family: FieldPath = Field(default="not_for_family",
                                      description="Field flagging an item not to be shown to the "
                                      "child or family.")
    third_party: FieldPath = Field(default="third_party", description="Field flagging third-party information.")
    third_parties: FieldPath = Field(default="third_parties",
                                     description="Field listing the people an item names besides "
                                     "the child (`[{name, role}]`, or that list as JSON text).")
    names_person: FieldPath | None = Field(default=None, description="Field naming the one person an item is about (a "
                                           "family contact), so meeting mode can substitute the name.")
    names_role: FieldPath | None = Field(default=None,
                                         description="Field holding that person's role (default `Adult`).")


class EventSpec(ItemSpec):
    """`[... .event]`: each item becomes one chronology event."""

    date: FieldPath = Field(description="Field holding the event's date (ISO date or instant).")
    end_date: FieldPath | None = Field(default=None, description="Field holding the date it ended, if any.")
    date_certainty: FieldPath | None = Field(default=None, description="Field saying how exact the date is "
                                             "(`exact`, `month`, `year`); default exact.")
    sequence: FieldPath | None = Field(default=None, description="Field ordering events on the same day.")
    title: Template = Field(description="The event's title.")
    summary: Template = Field(default="", description="The event's summary.")
    event_type: str = Field(default="", description="A fixed name for the kind of event (e.g. `referral`).")
    author_role: TextSource | None = Field(default=None, description="Who recorded it (a role, never a name).")
    action: TextSource | None = Field(default=None, description="What was done.")
    impact: TextSource | None = Field(default=None, description="The impact on the child.")
    significant: FlagSource | None = Field(default=None, description="Whether the event is significant (default: yes). "
                                           "A `{ field }` lets the chronology ask the source for significant events "
                                           "only; `{ value = false }` marks a routine list.")
    shanarri: TagsSource | None = Field(default=None, description="SHANARRI wellbeing indicators: a list, or a field "
                                        "holding a list or comma-separated text.")

    @model_validator(mode="after")
    def _known_indicators(self) -> EventSpec:
        if isinstance(self.shanarri, FixedTags):
            unknown = [tag for tag in self.shanarri.value if tag not in SHANARRI]
            if unknown:
                raise ValueError(f"shanarri: not SHANARRI indicators: {', '.join(unknown)} "
                                 f"(known: {', '.join(SHANARRI)})")
        return self


class FactSpec(ItemSpec):
    """`[[... .facts]]` and `[[agencies.<key>.person_facts]]`: each item that meets the conditions gives a key fact."""

    field: Text = Field(description="The key-information field it fills (e.g. `school`, `social_worker`).")
    value: Template = Field(description="The fact as shown; an item whose value comes out empty gives no fact.")
    as_of: FieldPath | None = Field(default=None, description="Field holding the date the fact is true from.")


class PercentageSpec(StrictModel):
    """`[... .percentage]`: period counts (weekly attendance) summed into one fact, and events for low periods."""

    field: Text = Field(description="The key-information field the summary fills.")
    numerator: FieldPath = Field(description="Field counting what happened in a period (openings attended).")
    denominator: FieldPath = Field(description="Field counting what could have (openings possible).")
    value: Template = Field(default="{percent}% over {count} periods", description="The summary; `{percent}` and "
                           "`{count}` (periods) are filled in.")
    category: Text | None = Field(default=None, description="Data category (default: the first of the enclosing "
                                  "table's `categories`).")
    label: FieldPath = Field(default="security_label", description="Field holding each period's security label.")
    event_below_percent: float | None = Field(default=None, ge=0, le=100, description="An event for every period below "
                                              "this percentage.")
    event_date: FieldPath | None = Field(default=None, description="Field holding a period's date (needed with "
                                         "`event_below_percent`).")
    event_title: Template | None = Field(default=None, description="Title of a low-period event; `{percent}` and the "
                                         "period's fields are filled in.")

    @model_validator(mode="after")
    def _events_need_date_and_title(self) -> PercentageSpec:
        if self.event_below_percent is not None and (self.event_date is None or self.event_title is None):
            raise ValueError("'event_below_percent' needs 'event_date' and 'event_title'")
        return self


class SummarySpec(StrictModel):
    """`[... .summary]` of a REST percentage list: the source's own sums, so the whole list need not be read."""

    path: Text = Field(description="Path of the summary under `base_url` (`{id}` is the person's source id). It "
                       "answers the summed numerator and denominator under the items' field names, over periods "
                       "with something possible, and the most restrictive label at the percentage's `label`.")
    count: FieldPath = Field(default="periods", description="Field of the summary counting those periods.")
    below_param: Text | None = Field(default=None, description="List parameter keeping only periods below a "
                                     "percentage, sorted and paged by date like a `window` list: the low-period "
                                     "events are then read from the list so filtered (needs `event_below_percent`).")
