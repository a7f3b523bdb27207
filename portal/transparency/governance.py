"""Governance findings from the figures and the agreements file: unused clauses and review dates (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from portal.access.agreements import Agreements, Clause
from portal.audit.flow_queries import Row

REVIEW_SOON_DAYS = 90


@dataclass(frozen=True)
class ClauseUse:
    ref: str
    title: str
    source: str
    views: int


@dataclass(frozen=True)
class ReviewDue:
    ref: str
    title: str
    review_date: date
    overdue: bool


def _unique_clauses(agreements: Agreements) -> list[Clause]:
    return list({clause.ref: clause for clause in agreements.clauses}.values())


def clause_usage(agreements: Agreements, used: Sequence[Row]) -> tuple[list[ClauseUse], list[ClauseUse]]:
    """(clauses cited in the period with their view counts, clauses never cited): the second list is where
    data minimisation could narrow or retire a clause."""
    counts = {str(ref): int(n) for ref, n in used}
    cited: list[ClauseUse] = []
    unused: list[ClauseUse] = []
    for clause in _unique_clauses(agreements):
        use = ClauseUse(clause.ref, clause.title, clause.source, counts.get(clause.ref, 0))
        (cited if use.views else unused).append(use)
    return sorted(cited, key=lambda use: (-use.views, use.ref)), unused


def reviews_due(agreements: Agreements, today: date, within_days: int = REVIEW_SOON_DAYS) -> list[ReviewDue]:
    """Clauses past their review date, or reaching it within `within_days`, soonest first."""
    horizon = today + timedelta(days=within_days)
    return sorted(
        (ReviewDue(c.ref, c.title, c.review_date, c.review_date < today)
         for c in _unique_clauses(agreements) if c.review_date <= horizon),
        key=lambda due: (due.review_date, due.ref),
    )
