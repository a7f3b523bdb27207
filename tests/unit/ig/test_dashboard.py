"""Charts are drawn from the trail with a data table beside each; flags appear with links to their entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.audit.dashboard_queries import dashboard_counts
from portal.audit.queries import search_entries
from portal.extensions import audit_db
from portal.ig.charts import (
    day_range,
    nice_maximum,
    per_day,
    ranked_bar_chart,
    stacked_day_chart,
    views_per_day,
)
from portal.ig.flags import uk_local
from tests.unit.ig.conftest import CHILD_CHI, crafted, view
from tests.unit.ig.pages import check_page


def test_views_per_day_by_agency_counts_successful_views_on_uk_days(app, seed) -> None:  # type: ignore[no-untyped-def]
    """Counted per UK calendar day: 23:30 UTC on 30 June is 1 July in BST."""
    days = day_range(date(2026, 7, 1), 2)
    seed(view("health.visitor"), at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    seed(view("health.visitor"), view("police.concern"), crafted("refused", "police.concern", outcome=4),
         at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    seed(view("police.concern"), at=datetime(2026, 7, 5, 9, 0, tzinfo=UTC))
    counts = dashboard_counts(audit_db, datetime(2026, 6, 30, tzinfo=UTC), datetime(2026, 7, 3, tzinfo=UTC))
    assert views_per_day(counts.views_by_day_agency, days) == {"health": [1, 1], "police": [0, 1]}


def test_break_glass_and_top_users(app, seed) -> None:  # type: ignore[no-untyped-def]
    days = day_range(date(2026, 3, 10), 3)
    noon = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    seed(crafted("break_glass_start", "teacher", break_glass=True, break_glass_reason="r"),
         crafted("break_glass_end", "teacher", break_glass=True), view("teacher"), view("teacher"),
         view("health.visitor"), at=noon)
    counts = dashboard_counts(audit_db, datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC))
    assert per_day(counts.break_glass_by_day, days) == [0, 1, 0]
    assert counts.top_users == [("Sam Reid (teacher)", 2), ("Jo Campbell (health.visitor)", 1)]


def test_chart_geometry_is_proportional_and_tables_match() -> None:
    assert [nice_maximum(n) for n in (0, 1, 3, 7, 11, 60)] == [1, 1, 5, 10, 20, 100]
    days = day_range(date(2026, 3, 10), 2)
    chart = stacked_day_chart("c", "T", "D", days, {"health": [2, 4], "police": [1, 0]}, "views")
    heights = {bar.label: bar.height for bar in chart.bars}
    assert heights["Health, 11 March: 4 views"] == 2 * heights["Health, 10 March: 2 views"]  # agencies in words
    assert chart.table_headers == ["Day", "health", "police", "Total"]
    assert chart.table_rows == [["10 Mar 2026", "2", "1", "3"], ["11 Mar 2026", "4", "0", "4"]]
    ranked = ranked_bar_chart("r", "T", "D", [("a", 8), ("b", 2)], ("User", "Views"))
    assert ranked.bars[0].width == 4 * ranked.bars[1].width and ranked.table_rows == [["a", "8"], ["b", "2"]]


def test_dashboard_draws_accessible_charts_with_tables_and_flags(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    today = uk_local(datetime.now(UTC)).date()
    night = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    seed(view("health.visitor"), view("teacher", relationship_basis="none"))
    seed(view("police.concern"), at=night)
    seed(*[crafted("refused", "teacher", outcome=4, subject_chi=CHILD_CHI) for _ in range(3)])
    seed(crafted("break_glass_start", "teacher", subject_chi=CHILD_CHI, break_glass=True, break_glass_reason="r"))
    soup = check_page(ig_client.get("/ig/dashboard").get_data(as_text=True))
    for chart_id in ("views-by-agency", "break-glass", "top-users"):
        section = soup.find(attrs={"data-testid": f"chart-{chart_id}"})
        svg = section.find("svg")
        assert svg["role"] == "img" and svg.find("title").get_text() and svg.find("desc").get_text()
        labelled_by = svg["aria-labelledby"].split()
        assert all(soup.find(id=label) for label in labelled_by)
        assert section.find("table", attrs={"data-testid": f"table-{chart_id}"}) is not None
    agency_rows = soup.find(attrs={"data-testid": "table-views-by-agency"}).find("tbody").find_all("tr")
    totals = {row.th.get_text(): [cell.get_text() for cell in row.find_all("td")] for row in agency_rows}
    assert totals[f"{today:%d %b %Y}"] == ["1", "1", "0", "2"]  # education, health, police, total
    assert totals[f"{uk_local(night):%d %b %Y}"] == ["0", "0", "1", "1"]
    assert len(soup.find(attrs={"data-testid": "chart-views-by-agency"}).find_all("rect")) >= 3
    top_users = soup.find(attrs={"data-testid": "table-top-users"}).get_text()
    assert "Jo Campbell (health.visitor)" in top_users
    assert "(1)" in soup.find(attrs={"data-testid": "flags-no_relationship"}).h3.get_text()
    assert "refused 3 times" in soup.find(attrs={"data-testid": "flags-repeated_refusals"}).get_text()
    assert "UK time" in soup.find(attrs={"data-testid": "flags-out_of_hours"}).get_text()
    read = search_entries(audit_db, event_type="audit_read")[0]
    assert read.details["view"] == "dashboard" and read.details["flags"]["repeated_refusals"] == 1
