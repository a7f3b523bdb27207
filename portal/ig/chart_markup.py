"""The two repeated parts of a dashboard chart (its bars, its data table's rows) as markup, built once in Python.

A year's chart has thousands of bars and table cells: drawn by the template's loops, each
value went through Jinja's escaping and `format` filter one at a time (18,000 calls a page).
Here each text is escaped once and the numbers are formatted directly; the markup is the
same, byte for byte, as the loops in `templates/ig/_macros.html` used to write.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.ig.charts import BarChart


def _text(cell: str) -> str:
    """The cell escaped; a count (digits only, most cells) needs no escaping."""
    return cell if cell.isdigit() else str(escape(cell))


def bar_rects(chart: BarChart) -> Markup:
    """Every bar as an SVG `<rect>` with its label as a `<title>` (read out by screen readers)."""
    return Markup("".join(  # noqa: S704 - each label escaped here; the rest are numbers we formatted
        f'\n    <rect class="ig-chart__bar ig-chart__bar--{int(bar.series_index)}" x="{bar.x:.1f}" y="{bar.y:.1f}" '
        f'width="{bar.width:.1f}" height="{bar.height:.1f}"><title>{escape(bar.label)}</title></rect>\n    '
        for bar in chart.bars))


def table_rows(chart: BarChart) -> Markup:
    """The data table's body rows: the first cell a row header, the rest numeric cells."""
    return Markup("".join(  # noqa: S704 - each cell escaped here; the rest is fixed markup
        '\n          <tr class="govuk-table__row">\n'
        f'            <th scope="row" class="govuk-table__header">{escape(row[0])}</th>\n            '
        + "".join(f'<td class="govuk-table__cell govuk-table__cell--numeric">{_text(cell)}</td>' for cell in row[1:])
        + "\n          </tr>\n          "
        for row in chart.table_rows))
