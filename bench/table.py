"""Plain-text tables for the benchmarks' output: columns padded to their widest cell, a rule under the header."""

from __future__ import annotations

from collections.abc import Sequence


def print_columns(lines: Sequence[Sequence[str]], *, right: bool = True) -> None:
    """Print the header (first line) and rows; numbers read best right-aligned, labels left-aligned."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for index, line in enumerate(lines):
        cells = (cell.rjust(width) if right else cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
