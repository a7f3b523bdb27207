"""Small-number suppression: no published count from 1 to 4, and no total that gives one away."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.audit.flow_queries import Flows
from portal.transparency.publication import build_snapshot, iter_published_values
from portal.transparency.suppression import PRIMARY, SECONDARY, Grid, suppress, suppress_together

counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
matrices = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=5))


def _lines(height: int, width: int) -> list[list[tuple[int, int]]]:
    return [[(r, c) for c in range(width)] for r in range(height)] + [
        [(r, c) for r in range(height)] for c in range(width)]


def _check(values: list[list[int]], hidden: dict[tuple[int, int], str]) -> None:
    height, width = len(values), len(values[0])
    for r in range(height):
        for c in range(width):
            if 0 < values[r][c] < 5:
                assert hidden.get((r, c)) == PRIMARY, f"{values[r][c]} at {(r, c)} was published"
    for line in _lines(height, width):
        assert sum(1 for p in line if p in hidden) != 1, f"a lone hidden figure in {line} can be subtracted out"


def test_a_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    grid = Grid([[10, 3], [8, 12]])
    values = grid.extended  # [[10, 3, 13], [8, 12, 20], [18, 15, 33]]
    hidden = suppress(values)
    assert hidden[(0, 1)] == PRIMARY
    assert hidden[(0, 0)] == SECONDARY  # else 13 - 10 gives the 3
    assert hidden[(1, 1)] == SECONDARY  # else 15 - 12 gives the 3
    assert hidden[(1, 0)] == SECONDARY  # else row two's total gives the 12, and then the 3
    assert (0, 2) not in hidden and (2, 2) not in hidden  # totals of 5 or more stay
    _check(values, hidden)


def test_a_single_small_figure_hides_its_total_too() -> None:
    values = Grid([[3]]).extended
    assert set(suppress(values)) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_zero_is_published() -> None:
    values = Grid([[0, 7], [9, 0]]).extended
    assert suppress(values) == {}


@settings(max_examples=300, deadline=None)
@given(matrices)
def test_no_small_count_and_no_lone_hidden_figure_in_any_line(cells: list[list[int]]) -> None:
    values = Grid(cells).extended
    _check(values, suppress(values))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=5))
def test_tables_sharing_a_total_hide_it_in_both(rows: list[tuple[int, int, int]]) -> None:
    """Views by organisation × role and by organisation × purpose share each organisation's total."""
    by_role = Grid([[a, b + c] for a, b, c in rows])
    by_purpose = Grid([[a + b, c] for a, b, c in rows])
    height = len(rows)
    for grid in (by_role, by_purpose):
        grid.keys.update({(r, 2): ("views", "organisation", r) for r in range(height)})
        grid.keys[(height, 2)] = ("views", "all")
    hidden_role, hidden_purpose = suppress_together([by_role, by_purpose])
    for r in range(height + 1):
        assert ((r, 2) in hidden_role) == ((r, 2) in hidden_purpose), "a shared total shown in one table only"
    _check(by_role.extended, hidden_role)
    _check(by_purpose.extended, hidden_purpose)


def _flows(**overrides: list[tuple[object, ...]]) -> Flows:
    empty: dict[str, list[tuple[object, ...]]] = {name: [] for name in Flows.__dataclass_fields__}
    return Flows(**{**empty, **overrides})  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["health: NHS A", "police: PS", "education: Council"]),
                          st.sampled_from(["practitioner", "lead_professional"]),
                          st.sampled_from(["child_protection", "girfec_wellbeing", "health_care"]),
                          st.integers(1, 40)), min_size=1, max_size=12))
def test_a_published_snapshot_has_no_count_from_1_to_4(views: list[tuple[str, str, str, int]]) -> None:
    by_role: dict[tuple[str, str], int] = {}
    by_purpose: dict[tuple[str, str], int] = {}
    for org, role, purpose, n in views:
        by_role[(org, role)] = by_role.get((org, role), 0) + n
        by_purpose[(org, purpose)] = by_purpose.get((org, purpose), 0) + n
    flows = _flows(views_by_org_role=[(*key, n) for key, n in by_role.items()],
                   views_by_org_purpose=[(*key, n) for key, n in by_purpose.items()],
                   views_by_month=[("2026-11", sum(n for *_, n in views))])
    snapshot = build_snapshot(flows, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 1, tzinfo=UTC))
    published = [cell["value"] for *_, cell in iter_published_values(snapshot) if cell["value"] is not None]
    assert not [value for value in published if 0 < value < 5]
    for table in snapshot["tables"]:
        grid = [[*row["cells"], row["total"]] for row in table["rows"]]
        grid.append([*table["totals"]["cells"], table["totals"]["total"]])
        for line in [*grid, *zip(*grid, strict=True)]:
            assert sum(1 for cell in line if cell["value"] is None) != 1
