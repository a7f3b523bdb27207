"""Flags worth a look, computed from trail entries by pure functions (no database, no Flask).

Each flag points at the entries behind it, so an IG officer can open them and judge;
a flag is a prompt to look, never a finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from portal.audit.entry import RecordedEntry
from portal.audit.models import EventType, Outcome
from portal.ig.surnames import surname_hash, surname_of

UK = ZoneInfo("Europe/London")
# Events where a practitioner saw a child's record (a search result list is not counted as a view).
VIEW_EVENTS = frozenset({EventType.VIEW_CHILD.value, EventType.CHRONOLOGY_PAGE.value, EventType.PRINT.value})
NO_RELATIONSHIP = frozenset({None, "", "none"})


@dataclass(frozen=True)
class FlagThresholds:
    """What counts as unusual. Configurable because every partnership's working pattern differs."""

    working_day_start: time = time(8, 0)
    working_day_end: time = time(18, 0)
    many_children: int = 20  # distinct children in any window of `many_children_window`
    many_children_window: timedelta = timedelta(hours=24)
    median_multiple: float = 3.0  # ... or more than this many times the median user's distinct children
    median_minimum_children: int = 5  # ignore tiny numbers: 4 children against a median of 1 is not unusual
    refusals_per_day: int = 3


@dataclass(frozen=True)
class Flag:
    """One thing worth a look: what kind, whose activity, which entries, and a one-line reason."""

    kind: str
    user_id: str | None
    reason: str
    sequences: tuple[int, ...]
    subject_chi: str | None = None


FLAG_TITLES = {
    "no_relationship": "Views without a recorded relationship",
    "out_of_hours": "Out-of-hours views",
    "many_children": "Unusually many children viewed",
    "repeated_refusals": "Repeated refusals",
    "shared_surname": "Viewer shares the child's surname",
}


def is_successful_view(entry: RecordedEntry) -> bool:
    return entry.event_type in VIEW_EVENTS and entry.outcome == int(Outcome.SUCCESS)


def uk_local(moment: datetime) -> datetime:
    """The moment on UK clocks (GMT or BST), which is what "out of hours" means to staff."""
    return moment.astimezone(UK)


def views_without_relationship(entries: Iterable[RecordedEntry]) -> list[Flag]:
    """Successful views with no relationship basis, or made under break-glass."""
    flags = []
    for entry in entries:
        if not is_successful_view(entry):
            continue
        if entry.break_glass or entry.relationship_basis == "break_glass":
            reason = "viewed under break-glass"
        elif entry.relationship_basis in NO_RELATIONSHIP:
            reason = "no relationship recorded"
        else:
            continue
        flags.append(Flag("no_relationship", entry.user_id, reason, (entry.sequence,), entry.subject_chi))
    return flags


def is_out_of_hours(moment: datetime, thresholds: FlagThresholds = FlagThresholds()) -> bool:
    """Before the working day starts, after it ends (UK time), or at a weekend."""
    local = uk_local(moment)
    if local.weekday() >= 5:
        return True
    return not (thresholds.working_day_start <= local.time() < thresholds.working_day_end)


def out_of_hours_views(entries: Iterable[RecordedEntry], thresholds: FlagThresholds = FlagThresholds()) -> list[Flag]:
    """Successful views outside working hours, each with its UK local time."""
    return [
        Flag("out_of_hours", entry.user_id, f"viewed at {uk_local(entry.recorded_at):%a %d %b %Y %H:%M} UK time",
             (entry.sequence,), entry.subject_chi)
        for entry in entries
        if is_successful_view(entry) and is_out_of_hours(entry.recorded_at, thresholds)
    ]


def _most_children_in_window(views: Sequence[RecordedEntry], window: timedelta) -> tuple[int, tuple[int, ...]]:
    """The largest number of distinct children in any sliding window, and the entries in that window."""
    ordered = sorted(views, key=lambda entry: entry.recorded_at)
    best: tuple[int, tuple[int, ...]] = (0, ())
    start = 0
    for end, entry in enumerate(ordered):
        while ordered[start].recorded_at <= entry.recorded_at - window:
            start += 1
        in_window = ordered[start:end + 1]
        distinct = len({view.subject_chi for view in in_window})
        if distinct > best[0]:
            best = (distinct, tuple(view.sequence for view in in_window))
    return best


def many_children_viewers(
    entries: Iterable[RecordedEntry], thresholds: FlagThresholds = FlagThresholds(),
    population: dict[str | None, int] | None = None,
) -> list[Flag]:
    """Users who viewed more distinct children than the threshold in a window, or far more than the median user.

    `population` (every viewer's distinct children in the period) sets the median and totals when `entries`
    are only the candidates the database picked out."""
    views_by_user: dict[str | None, list[RecordedEntry]] = defaultdict(list)
    for entry in entries:
        if is_successful_view(entry) and entry.subject_chi:
            views_by_user[entry.user_id].append(entry)
    totals = population if population is not None else {
        user: len({view.subject_chi for view in views}) for user, views in views_by_user.items()}
    # A median needs a crowd to mean anything; with one or two users only the absolute threshold applies.
    typical = median(totals.values()) if len(totals) >= 3 else None
    flags = []
    for user, views in views_by_user.items():
        in_window, window_sequences = _most_children_in_window(views, thresholds.many_children_window)
        hours = int(thresholds.many_children_window.total_seconds() // 3600)
        if in_window > thresholds.many_children:
            flags.append(Flag("many_children", user, f"{in_window} different children within {hours} hours",
                              window_sequences))
        elif (typical is not None and totals.get(user, 0) >= thresholds.median_minimum_children
              and totals.get(user, 0) > thresholds.median_multiple * typical):
            flags.append(Flag("many_children", user,
                              f"{totals[user]} different children; the median user viewed {typical:g}",
                              tuple(view.sequence for view in views)))
    return flags


def repeated_refusals(entries: Iterable[RecordedEntry], thresholds: FlagThresholds = FlagThresholds()) -> list[Flag]:
    """Users refused access at least `refusals_per_day` times on one UK calendar day."""
    by_user_day: dict[tuple[str | None, date], list[int]] = defaultdict(list)
    for entry in entries:
        if entry.event_type == EventType.REFUSED.value:
            by_user_day[(entry.user_id, uk_local(entry.recorded_at).date())].append(entry.sequence)
    return [
        Flag("repeated_refusals", user, f"refused {len(sequences)} times on {day:%d %b %Y}", tuple(sequences))
        for (user, day), sequences in sorted(by_user_day.items(), key=lambda item: (str(item[0][0]), item[0][1]))
        if len(sequences) >= thresholds.refusals_per_day
    ]


def shared_surname_views(entries: Iterable[RecordedEntry], key: str) -> list[Flag]:
    """Views where the child's recorded surname hash equals the same keyed hash of the viewer's surname."""
    flags = []
    for entry in entries:
        child_hash = (entry.details or {}).get("child_surname_hash")
        viewer_surname = surname_of(entry.user_display_name)
        if not is_successful_view(entry) or not child_hash or not viewer_surname:
            continue
        if surname_hash(viewer_surname, key) == child_hash:
            flags.append(Flag("shared_surname", entry.user_id, "the child's surname matches the viewer's",
                              (entry.sequence,), entry.subject_chi))
    return flags


def all_flags(
    entries: Sequence[RecordedEntry], key: str, thresholds: FlagThresholds = FlagThresholds(),
    population: dict[str | None, int] | None = None,
) -> dict[str, list[Flag]]:
    """Every kind of flag, keyed by kind in the order IG see them."""
    return {
        "no_relationship": views_without_relationship(entries),
        "out_of_hours": out_of_hours_views(entries, thresholds),
        "many_children": many_children_viewers(entries, thresholds, population),
        "repeated_refusals": repeated_refusals(entries, thresholds),
        "shared_surname": shared_surname_views(entries, key),
    }
