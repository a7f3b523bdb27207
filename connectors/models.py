"""The normalised model every connector returns.

Frozen dataclasses only: a connector turns an agency's own format into these,
and everything downstream (identity, policy, chronology, summary) works on them.
Nothing here is ever persisted.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# The eight GIRFEC wellbeing indicators, the controlled vocabulary for tags.
SHANARRI = ("safe", "healthy", "achieving", "nurtured", "active", "respected", "responsible", "included")

# HL7 v3 Confidentiality codes the portal acts on.
LABEL_NORMAL = "N"
LABEL_RESTRICTED = "R"
LABEL_VERY_RESTRICTED = "V"
LABELS = (LABEL_NORMAL, LABEL_RESTRICTED, LABEL_VERY_RESTRICTED)


# HL7 v3 ActCode for "no disclosure to patient, family or caregivers without the attending provider's
# authorization", carried in FHIR meta.security; non-FHIR agencies send a `not_for_family` flag instead.
NOPAT_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
NOPAT = "NOPAT"


@dataclass(frozen=True)
class ThirdParty:
    """Someone other than the child named in an item, with their relation to the child (for masking)."""

    name: str
    role: str  # e.g. "Mother's former partner", "Sibling"


class DateCertainty(str, enum.Enum):
    """How sure the source is of an event's date (shown as e.g. '?22 May 2016')."""

    EXACT = "exact"
    APPROXIMATE = "approximate"  # the day is uncertain
    MONTH = "month"  # only the month is known
    YEAR = "year"  # only the year is known


class SourceState(str, enum.Enum):
    """What happened when the portal asked one agency."""

    ANSWERED = "answered"
    NO_RECORD = "no_record"
    WRONG_PERSON = "wrong_person"  # it answered, but only with another person's records (all dropped)
    WITHHELD = "withheld"
    TIMED_OUT = "timed_out"
    FAILED = "failed"


@dataclass(frozen=True)
class PersonQuery:
    """Who the practitioner is looking for: a CHI, or demographics."""

    chi: str | None = None
    forename: str | None = None
    surname: str | None = None
    birth_date: date | None = None
    postcode: str | None = None
    sex: str | None = None  # "male" | "female" | None


@dataclass(frozen=True)
class PersonRecord:
    """One agency's record of a person, as it identifies them.

    `source_id` is the agency's own id, used to fetch that person's records.
    `identifiers` maps identifier kinds ("chi", "scn", "local") to values.
    """

    agency: str
    source_id: str
    identifiers: tuple[tuple[str, str], ...] = ()
    forename: str | None = None
    surname: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    postcode: str | None = None
    previous_surnames: tuple[str, ...] = ()
    # The source's own person item this record was read from (a REST item, a FHIR Patient), so a record read in the
    # same view takes person-level facts from it instead of searching again. In memory only; not part of its identity.
    source_item: Mapping[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def chi(self) -> str | None:
        return dict(self.identifiers).get("chi")


@dataclass(frozen=True)
class ChronologyEvent:
    """One significant (or routine) event as a source reports it."""

    agency: str  # key of the agency, e.g. "police"
    source_system: str  # human name of the system, e.g. "Concern Hub (iVPD)"
    source_record_id: str
    event_date: date
    title: str
    summary: str = ""
    category: str = ""  # data category the event belongs to (agreements act on these)
    event_type: str = ""  # short type for the timeline legend, e.g. "concern", "hearing"
    end_date: date | None = None  # set for periods
    date_certainty: DateCertainty = DateCertainty.EXACT
    sequence: int = 0  # orders events on the same day within a source
    author_role: str | None = None
    significant: bool = True
    shanarri: tuple[str, ...] = ()
    security_label: str = LABEL_NORMAL
    action: str | None = None  # action taken / outcome, or "no action, because …"
    impact: str | None = None  # "positive" | "negative" | None
    subject_source_id: str | None = None  # the person record the event belongs to
    # What may not reach the child or family (meeting mode removes or masks these; normal views are unaffected).
    not_for_family: bool = False  # HL7 NOPAT or the agency's own flag
    third_party: bool = False  # the item is information about someone else (DPA 2018 Sch. 2 Pt 3)
    third_parties: tuple[ThirdParty, ...] = ()  # other people the item names, so names can be substituted


@dataclass(frozen=True)
class KeyFact:
    """One Key Information Summary field value, with where and when it came from."""

    field: str  # KIS field key, e.g. "allergies", "school", "cp_register"
    value: str
    agency: str
    source_system: str
    as_of: datetime | None = None
    category: str = ""
    security_label: str = LABEL_NORMAL
    source_record_id: str | None = None
    not_for_family: bool = False
    third_party: bool = False
    third_parties: tuple[ThirdParty, ...] = ()


@dataclass(frozen=True)
class SourceStatus:
    """The data-flows panel line for one agency."""

    agency: str
    state: SourceState
    reason: str = ""
    elapsed_ms: int = 0
    item_count: int = 0
    dropped_wrong_child: int = 0
    withheld_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceRecords:
    """What a connector returns for one person: events and key facts."""

    events: tuple[ChronologyEvent, ...] = ()
    facts: tuple[KeyFact, ...] = ()
    restricted_notices: tuple[str, ...] = field(default=())  # "restricted information exists" notices
    dropped_wrong_child: int = 0  # items the source returned for another person, dropped unread


@dataclass(frozen=True)
class SourceResult:
    """One agency's whole answer to one gather, success or not."""

    agency: str
    status: SourceStatus
    people: tuple[PersonRecord, ...] = ()
    records: SourceRecords = SourceRecords()
