"""What the sharing agreements grant one kind of requester, per agency and category, worked out once.

The tables depend only on the agreements and on the requester's agency, team and role, the purpose and
whether the grant is break-glass: never on the child, the user or the time. So `decide` reads them from a
small cache instead of walking every clause of every agency on every view. The agreements are immutable
once loaded; a cached entry holds the very object it was built from and is used only for that object.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import MappingProxyType

from connectors.models import LABEL_NORMAL, LABEL_RESTRICTED, LABEL_VERY_RESTRICTED
from portal.access.agreements import Agreements, Clause
from portal.access.decision import Requester
from portal.access.purposes import PURPOSES, Purpose

CACHE_LIMIT = 512  # kinds of requester (agency x team x role x purpose x break-glass); cleared when exceeded


@dataclass(frozen=True)
class GrantTables:
    """Read-only tables an AccessDecision is made of (shared between decisions: never changed)."""

    allowed: MappingProxyType[str, frozenset[str]]
    withheld: MappingProxyType[str, tuple[tuple[str, str], ...]]
    labels: MappingProxyType[str, frozenset[str]]
    category_labels: MappingProxyType[tuple[str, str], frozenset[str]]
    clauses: MappingProxyType[tuple[str, str], str]
    reveal: MappingProxyType[tuple[str, str], bool]
    clause_refs: tuple[str, ...]


_Key = tuple[int, str, str, str, str, bool]
_cache: dict[_Key, tuple[Agreements, GrantTables]] = {}
_cache_lock = threading.Lock()


def grant_tables(requester: Requester, purpose: Purpose, agreements: Agreements, break_glass: bool) -> GrantTables:
    """The tables for this kind of requester, from the cache when this agreements object has been seen."""
    key = (id(agreements), requester.agency, requester.team, requester.role, purpose.code, break_glass)
    cached = _cache.get(key)
    if cached is not None and cached[0] is agreements:  # an id can be reused once an object is gone
        return cached[1]
    tables = build_grant_tables(requester, purpose, agreements, break_glass)
    with _cache_lock:
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[key] = (agreements, tables)
    return tables


def build_grant_tables(requester: Requester, purpose: Purpose, agreements: Agreements,
                       break_glass: bool) -> GrantTables:
    """N always, R where a covering clause names the role for R (not under break-glass), V only for the owning
    team (not under break-glass); every refused category with the rule that refused it."""
    allowed: dict[str, frozenset[str]] = {}
    withheld: dict[str, tuple[tuple[str, str], ...]] = {}
    labels: dict[str, frozenset[str]] = {}
    category_labels: dict[tuple[str, str], frozenset[str]] = {}
    clauses: dict[tuple[str, str], str] = {}
    reveal: dict[tuple[str, str], bool] = {}
    used: list[str] = []
    for source in agreements.agencies:
        agency, categories = source.key, source.categories
        matching = matching_clauses(requester, purpose, agreements, agency, break_glass)
        owner = agreements.owning_team(agency)
        owns_v = not break_glass and requester.agency == agency and owner is not None and requester.team == owner
        granted: set[str] = set()
        refused: list[tuple[str, str]] = []
        for category in categories:
            covering = [c for c in matching if category in c.categories]
            if not covering:
                refused.append((category, withheld_rule(requester, purpose, agreements, agency, category,
                                                        break_glass)))
                continue
            granted.add(category)
            allowed_labels = {LABEL_NORMAL}
            restricted = [c for c in covering if c.grants_restricted_to(requester.role)]
            if restricted and not break_glass:
                allowed_labels.add(LABEL_RESTRICTED)
            if owns_v:
                allowed_labels.add(LABEL_VERY_RESTRICTED)
            chosen = restricted[0] if restricted and not break_glass else covering[0]
            clauses[(agency, category)] = chosen.ref
            used.append(chosen.ref)
            category_labels[(agency, category)] = frozenset(allowed_labels)
            reveal[(agency, category)] = any(c.reveal_restricted for c in covering)
        allowed[agency] = frozenset(granted)
        withheld[agency] = tuple(refused)
        labels[agency] = frozenset().union(*(category_labels[(agency, c)] for c in granted))
    return GrantTables(MappingProxyType(allowed), MappingProxyType(withheld), MappingProxyType(labels),
                       MappingProxyType(category_labels), MappingProxyType(clauses), MappingProxyType(reveal),
                       tuple(dict.fromkeys(used)))


def matching_clauses(requester: Requester, purpose: Purpose, agreements: Agreements, agency: str,
                     break_glass: bool) -> list[Clause]:
    return [
        c
        for c in agreements.for_source(agency)
        if c.covers(requester.agency, requester.role, purpose.code) and (c.break_glass or not break_glass)
    ]


def withheld_rule(requester: Requester, purpose: Purpose, agreements: Agreements, agency: str, category: str,
                  break_glass: bool) -> str:
    """The rule text the data-flows panel shows next to a withheld category."""
    mentioning = [c for c in agreements.for_source(agency) if category in c.categories]
    ours = [c for c in mentioning if requester.agency in c.requesting_agencies and requester.role in c.roles]
    if break_glass and any(purpose.code in c.purposes for c in ours):
        ref = next(c.ref for c in ours if purpose.code in c.purposes)
        return f"{ref}: not shared under break-glass access"
    if ours:
        purposes = sorted({PURPOSES[p].label for c in ours for p in c.purposes})
        return f"{ours[0].ref}: shared with you only for {', '.join(purposes)}"
    return f"No agreement shares this with {agreements.agencies.name(requester.agency)} staff in your role"
