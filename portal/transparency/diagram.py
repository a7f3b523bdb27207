"""The flow diagram's geometry: organisations → purposes → source agencies, and stoppages as branches that end.

Pure functions from a list of links to SVG coordinates; the template draws the paths
and a data table from the same `FlowDiagram`, so the table can never disagree with
the picture. Widths are proportional to volume (with a 1px floor so small flows stay
visible); stoppages end in a node coloured by reason, and are also named in text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

WIDTH = 900
HEIGHT = 480
NODE_WIDTH = 12
GAP = 10
TOP = 24
COLUMN_X = (170, 380, 580, 715)  # organisations, purposes, agencies, reasons (text sits left of 0, right of 3)
COLUMN_TITLES = ("Requesting organisation", "Purpose", "Source agency", "Where it stopped")


@dataclass(frozen=True)
class Link:
    """A flow of `value` from one node to another; `reason` set means the flow stops there."""

    source: tuple[int, str]  # (column, label)
    target: tuple[int, str]
    value: int
    reason: str | None = None


@dataclass(frozen=True)
class Node:
    column: int
    label: str
    value: int
    x: float
    y: float
    height: float
    reason: str | None = None


@dataclass(frozen=True)
class Path:
    d: str
    width: float
    title: str
    css_class: str


@dataclass(frozen=True)
class FlowDiagram:
    nodes: list[Node]
    paths: list[Path]
    links: list[Link]
    column_titles: tuple[str, ...] = COLUMN_TITLES
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def column_x(self) -> tuple[int, ...]:
        return COLUMN_X


def _node_values(links: list[Link]) -> dict[tuple[int, str], int]:
    inflow: dict[tuple[int, str], int] = defaultdict(int)
    outflow: dict[tuple[int, str], int] = defaultdict(int)
    for link in links:
        outflow[link.source] += link.value
        inflow[link.target] += link.value
    return {key: max(inflow[key], outflow[key]) for key in {*inflow, *outflow}}


def layout(links: list[Link], reason_class: dict[str, int], *, height: int = HEIGHT) -> FlowDiagram:
    """Stack each column's nodes (largest first), scale every column to fit, and route each link."""
    links = [link for link in links if link.value > 0]
    values = _node_values(links)
    reasons = {link.target: link.reason for link in links if link.reason}
    columns: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for key in values:
        columns[key[0]].append(key)
    usable = height - TOP - 8
    busiest = max((sum(values[k] for k in keys) for keys in columns.values()), default=1)
    most_nodes = max((len(keys) for keys in columns.values()), default=1)
    scale = max(0.0, usable - GAP * (most_nodes - 1)) / max(1, busiest)
    nodes: dict[tuple[int, str], Node] = {}
    for column, keys in columns.items():
        y = float(TOP)
        # Flows first (largest first), then stoppages, so ending branches sit together at the bottom.
        for key in sorted(keys, key=lambda k: (k in reasons, -values[k], k[1])):
            node_height = max(1.0, values[key] * scale)
            nodes[key] = Node(column, key[1], values[key], COLUMN_X[column], y, node_height, reasons.get(key))
            y += node_height + GAP
    out_offset: dict[tuple[int, str], float] = defaultdict(float)
    in_offset: dict[tuple[int, str], float] = defaultdict(float)
    paths = []
    ordered = sorted(links, key=lambda link: (nodes[link.source].y, nodes[link.target].y))
    for link in ordered:
        source, target = nodes[link.source], nodes[link.target]
        width = max(1.0, link.value * scale)
        y0 = source.y + out_offset[link.source] + width / 2
        y1 = target.y + in_offset[link.target] + width / 2
        out_offset[link.source] += width
        in_offset[link.target] += width
        x0, x1 = source.x + NODE_WIDTH, target.x
        middle = (x0 + x1) / 2
        d = f"M{x0:.1f} {y0:.1f} C{middle:.1f} {y0:.1f} {middle:.1f} {y1:.1f} {x1:.1f} {y1:.1f}"
        css = f"tr-flow tr-flow--reason-{reason_class.get(link.reason, 0)}" if link.reason else "tr-flow"
        paths.append(Path(d, width, f"{link.source[1]} → {link.target[1]}: {link.value:,}", css))
    return FlowDiagram(list(nodes.values()), paths, links, height=height)
