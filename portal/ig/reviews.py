"""The break-glass review queue: which break-glass starts still await an IG decision, and what was seen.

A start is *open* until a `break_glass_review` entry names it in `related_sequence`.
"What was seen" is the successful views by the same user of the same child inside
the break-glass window (start until its end entry, else its expiry).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

from portal.audit.bind import Bind
from portal.audit.entry import RecordedEntry
from portal.audit.models import EventType
from portal.audit.queries import MAX_PAGE_SIZE, search_entries
from portal.ig.flags import is_successful_view

# Break-glass grants last at most four hours (portal.data.break_glass); used when a start names no expiry.
DEFAULT_WINDOW = timedelta(hours=4)
DECISIONS = {"appropriate": "Appropriate", "inappropriate": "Inappropriate"}


@dataclass(frozen=True)
class SeenSource:
    """One agency's part of what was seen under break-glass."""

    agency: str
    views: int
    items: int
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class BreakGlassItem:
    """One break-glass episode: its start, its window, what was seen in it, and its review if any."""

    start: RecordedEntry
    window_end: datetime
    ended_early: bool
    views: list[RecordedEntry]
    sources: list[SeenSource]
    review: RecordedEntry | None = None

    @property
    def decision(self) -> str | None:
        return (self.review.details or {}).get("decision") if self.review else None


def _parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _same_episode(start: RecordedEntry, end: RecordedEntry) -> bool:
    """Does this end entry close this start? By reference, else by grant id, else the next end by the same
    user for the same child."""
    if end.related_sequence is not None:
        return end.related_sequence == start.sequence
    start_grant, end_grant = (start.details or {}).get("grant_id"), (end.details or {}).get("grant_id")
    if start_grant is not None and end_grant is not None:
        return bool(start_grant == end_grant)
    return end.user_id == start.user_id and end.subject_chi == start.subject_chi and end.sequence > start.sequence


def window_end(start: RecordedEntry, ends: Iterable[RecordedEntry]) -> tuple[datetime, bool]:
    """When the break-glass window closed, and whether an explicit end closed it before expiry."""
    expiry = _parse_instant((start.details or {}).get("expires_at")) or start.recorded_at + DEFAULT_WINDOW
    for end in sorted(ends, key=lambda entry: entry.sequence):
        if _same_episode(start, end) and end.recorded_at < expiry:
            return end.recorded_at, True
    return expiry, False


def summarise_sources(views: Iterable[RecordedEntry]) -> list[SeenSource]:
    """Per agency: how many views drew on it, how many items it returned in total, and its statuses."""
    totals: dict[str, tuple[int, int, set[str]]] = {}
    for view in views:
        for source in view.sources or []:
            agency = str(source.get("agency", "unknown"))
            count, items, statuses = totals.get(agency, (0, 0, set()))
            statuses.add(str(source.get("status", "")))
            totals[agency] = (count + 1, items + int(source.get("item_count", 0) or 0), statuses)
    return [SeenSource(agency, count, items, tuple(sorted(statuses - {""})))
            for agency, (count, items, statuses) in sorted(totals.items())]


def views_in_window(start: RecordedEntry, end: datetime, candidates: Iterable[RecordedEntry]) -> list[RecordedEntry]:
    """The successful views by the start's user of the start's child between the start and `end`."""
    return sorted(
        (view for view in candidates
         if is_successful_view(view) and view.user_id == start.user_id and view.subject_chi == start.subject_chi
         and view.sequence > start.sequence and view.recorded_at <= end),
        key=lambda view: view.sequence,
    )


def reviews_by_start(reviews: Iterable[RecordedEntry]) -> dict[int, RecordedEntry]:
    """The first review of each start (a later one, if the store ever held two, does not reopen it)."""
    found: dict[int, RecordedEntry] = {}
    for review in sorted(reviews, key=lambda entry: entry.sequence):
        if review.related_sequence is not None:
            found.setdefault(review.related_sequence, review)
    return found


class _Whose(TypedDict, total=False):
    """Whose entries a review reads: the child's (when the start named one) and the user's."""

    child: str | None
    user: str | None


def _all_of(bind: Bind, event_type: EventType, since: datetime | None = None,
            **filters: Unpack[_Whose]) -> list[RecordedEntry]:
    """Every matching entry (paged through; the queue is small but must never silently truncate)."""
    found: list[RecordedEntry] = []
    while True:
        page = search_entries(bind, event_type=event_type, since=since, limit=MAX_PAGE_SIZE, offset=len(found),
                              **filters)
        found.extend(page)
        if len(page) < MAX_PAGE_SIZE:
            return found


def build_item(bind: Bind, start: RecordedEntry, review: RecordedEntry | None) -> BreakGlassItem:
    """One episode with its window and what was seen, read from the trail."""
    filters: _Whose = ({"child": start.subject_chi, "user": start.user_id} if start.subject_chi
                             else {"user": start.user_id})
    ends = _all_of(bind, EventType.BREAK_GLASS_END, **filters)
    end, ended_early = window_end(start, ends)
    candidates: list[RecordedEntry] = []
    for event_type in (EventType.VIEW_CHILD, EventType.CHRONOLOGY_PAGE, EventType.PRINT):
        candidates += _all_of(bind, event_type, since=start.recorded_at, **filters)
    views = views_in_window(start, end, candidates)
    return BreakGlassItem(start, end, ended_early, views, summarise_sources(views), review)


def load_queue(bind: Bind, reviewed_limit: int = 50) -> tuple[list[BreakGlassItem], list[BreakGlassItem]]:
    """(open items oldest first, the latest `reviewed_limit` reviewed items newest first)."""
    starts = _all_of(bind, EventType.BREAK_GLASS_START)
    reviews = reviews_by_start(_all_of(bind, EventType.BREAK_GLASS_REVIEW))
    open_items = [build_item(bind, start, None) for start in reversed(starts) if start.sequence not in reviews]
    reviewed_starts = [start for start in starts if start.sequence in reviews][:reviewed_limit]
    reviewed = [build_item(bind, start, reviews[start.sequence]) for start in reviewed_starts]
    return open_items, reviewed


def find_review(bind: Bind, start_sequence: int) -> RecordedEntry | None:
    """The review of this start, if it has one."""
    return reviews_by_start(_all_of(bind, EventType.BREAK_GLASS_REVIEW)).get(start_sequence)


def validate_decision(form: Sequence[tuple[str, str]] | dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, errors by field id) for a review decision: a decision and a note are both required."""
    values = dict(form)
    decision = (values.get("decision") or "").strip()
    note = (values.get("note") or "").strip()
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "Select whether the break-glass access was appropriate"
    if not note:
        errors["note"] = "Enter a note explaining your decision"
    elif len(note) > 2000:
        errors["note"] = "Note must be 2000 characters or fewer"
    return {"decision": decision, "note": note}, errors
