"""Small-number suppression for published tables (pure functions).

Primary: any count from 1 to 4 (a cell or a total) is not published ("fewer than 5").
Secondary: in every line (a row with its row total, a column with its column total,
the totals row and the totals column) a lone hidden figure could be worked out by
subtraction, so a second figure in that line is hidden too, the smallest non-zero one
first. Tables that share a total (two breakdowns of the same views by organisation)
are suppressed together: a total hidden in one is hidden in all, so no table can undo
another's protection.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

SMALLEST_SHOWN = 5
PRIMARY = "fewer_than_5"
SECONDARY = "secondary"

Position = tuple[int, int]


@dataclass(frozen=True)
class Grid:
    """A table of counts with its totals: `cells[r][c]`; row totals, column totals and the grand total are
    added as the last column and row. `keys` name total positions shared with other tables."""

    cells: list[list[int]]
    keys: dict[Position, Hashable] = field(default_factory=dict)

    @property
    def extended(self) -> list[list[int]]:
        rows = [[*row, sum(row)] for row in self.cells]
        width = len(self.cells[0]) if self.cells else 0
        totals = [sum(row[c] for row in self.cells) for c in range(width)]
        return [*rows, [*totals, sum(totals)]]


def is_small(value: int) -> bool:
    return 0 < value < SMALLEST_SHOWN


def _lines(height: int, width: int) -> list[list[Position]]:
    rows = [[(r, c) for c in range(width)] for r in range(height)]
    columns = [[(r, c) for r in range(height)] for c in range(width)]
    return rows + columns


def _complement(line: list[Position], values: list[list[int]], hidden: dict[Position, str]) -> Position:
    """The figure to hide beside a lone hidden one: the smallest non-zero cell, else the total, else a zero."""
    total = line[-1]
    open_cells = [p for p in line if p not in hidden]
    nonzero_cells = [p for p in open_cells if p != total and values[p[0]][p[1]] > 0]
    if nonzero_cells:
        return min(nonzero_cells, key=lambda p: (values[p[0]][p[1]], p))
    if total in open_cells:
        return total
    return open_cells[0]


def suppress(values: list[list[int]], forced: set[Position] | None = None) -> dict[Position, str]:
    """Which positions of an extended grid (cells plus totals) to hide, and why (PRIMARY or SECONDARY)."""
    height = len(values)
    width = len(values[0]) if values else 0
    hidden: dict[Position, str] = {
        (r, c): PRIMARY for r in range(height) for c in range(width) if is_small(values[r][c])
    }
    for position in forced or set():
        hidden.setdefault(position, SECONDARY)
    lines = _lines(height, width)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for p in line if p in hidden) == 1 and len(line) > 1:
                hidden[_complement(line, values, hidden)] = SECONDARY
                changed = True
    return hidden


def suppress_together(grids: Sequence[Grid]) -> list[dict[Position, str]]:
    """Suppress several tables whose shared totals carry the same key, until they agree."""
    hidden_keys: set[Hashable] = set()
    while True:
        results = []
        for grid in grids:
            forced = {position for position, key in grid.keys.items() if key in hidden_keys}
            results.append(suppress(grid.extended, forced))
        found = {grid.keys[p] for grid, hidden in zip(grids, results, strict=True) for p in hidden if p in grid.keys}
        if found <= hidden_keys:
            return results
        hidden_keys |= found
