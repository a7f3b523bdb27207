"""The dashboard's flags for a period: counted in SQL where they can be most of it, judged by the pure functions.

Out-of-hours views and views without a relationship can run to hundreds of thousands
in a year: the page shows how many, and the earliest few (`SHOWN`), which the pure flag
functions judge. Every other kind is judged in full over the entries the database picked
out as able to raise it, so its flags are exactly those over the whole period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from portal.audit.bind import Bind
from portal.audit.dashboard_queries import flag_inputs
from portal.ig.flags import (
    Flag,
    FlagThresholds,
    is_out_of_hours,
    many_children_viewers,
    out_of_hours_views,
    repeated_refusals,
    shared_surname_views,
    views_without_relationship,
)

SHOWN = 50


@dataclass(frozen=True)
class FlagList:
    """One kind of flag over the period: how many there are, and the ones shown (at most `SHOWN`)."""

    total: int
    shown: list[Flag]


def _on_the_hour(moment: time) -> bool:
    return moment.minute == 0 and moment.second == 0 and moment.microsecond == 0


def dashboard_flags(bind: Bind, start: datetime, end: datetime, thresholds: FlagThresholds, key: str,
                    viewer_surname_hash: Callable[[str], str | None], shown: int = SHOWN
                    ) -> tuple[dict[str, FlagList], int]:
    """Every kind of flag, keyed in the order IG see them, and how many entries were loaded to judge them."""
    if not (_on_the_hour(thresholds.working_day_start) and _on_the_hour(thresholds.working_day_end)):
        raise ValueError("the dashboard counts out-of-hours views by the hour: working hours must be whole hours")
    inputs = flag_inputs(
        bind, start, end, many_children=thresholds.many_children, window=thresholds.many_children_window,
        median_multiple=thresholds.median_multiple, median_minimum=thresholds.median_minimum_children,
        refusals_per_day=thresholds.refusals_per_day, shown=shown,
        working_hours=(thresholds.working_day_start.hour, thresholds.working_day_end.hour),
        hour_is_out=lambda hour: is_out_of_hours(hour, thresholds), viewer_surname_hash=viewer_surname_hash)

    def listed(flags: list[Flag]) -> FlagList:
        return FlagList(len(flags), flags[:shown])

    flags = {
        "no_relationship": FlagList(inputs.no_basis_total, views_without_relationship(inputs.no_basis_first)),
        "out_of_hours": FlagList(inputs.out_of_hours_total, out_of_hours_views(inputs.out_of_hours_first, thresholds)),
        "many_children": listed(many_children_viewers(inputs.child_views, thresholds, inputs.children_per_viewer)),
        "repeated_refusals": listed(repeated_refusals(inputs.refusals, thresholds)),
        "shared_surname": listed(shared_surname_views(inputs.surname_views, key)),
    }
    return flags, inputs.loaded
