"""The transparency pages: IG review and publish, audited; the public page and open data only when switched on."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

from portal.audit.entry import SourceAudit
from portal.audit.queries import search_entries
from portal.extensions import audit_db
from portal.transparency.forms import today_uk
from tests.conftest import extract_csrf
from tests.unit.ig.conftest import CHILD_CHI, crafted, view
from tests.unit.ig.pages import check_page

TIMED_OUT = (SourceAudit("health", "answered", 90, 3), SourceAudit("police", "timed_out", 3000))


def _period_form(day: date, *, confirm: bool = True) -> dict[str, str]:
    form = {"from-day": "1", "from-month": str(day.month), "from-year": str(day.year),
            "to-day": str(day.day), "to-month": str(day.month), "to-year": str(day.year)}
    return {**form, "confirm": "yes"} if confirm else form


def _busy_month(seed) -> None:  # type: ignore[no-untyped-def]
    """Fifteen health views (six of them with police timing out) and six refusals."""
    seed(*[view("health.visitor", purpose_code="child_protection") for _ in range(9)],
         *[view("health.visitor", purpose_code="child_protection", sources=TIMED_OUT) for _ in range(6)],
         *[crafted("refused", "teacher", outcome=4, subject_chi=CHILD_CHI, purpose_code="child_protection")
           for _ in range(6)])


def test_flows_page_shows_figures_diagram_and_trends_and_is_audited(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    _busy_month(seed)
    soup = check_page(ig_client.get("/transparency/").get_data(as_text=True))
    assert soup.find(attrs={"data-testid": "total-views"}).get_text(strip=True).startswith("15 views")
    svg = soup.find(attrs={"data-testid": "diagram-flows"}).find("svg")
    assert svg["role"] == "img" and all(soup.find(id=part) for part in svg["aria-labelledby"].split())
    assert not soup.select("[style]") and not soup.select("script:not([src])"), "CSP: no inline style or script"
    stop_widths = {path.title.get_text(): float(path["stroke-width"]) for path in svg.select("path.tr-flow")}
    asked = stop_widths["Child protection enquiry or IRD → NHS Glenmorven: 15"]
    timed_out = stop_widths["Police Scotland → Source timed out: 6"]
    assert abs(timed_out - asked * 6 / 15) < 0.2, "widths are proportional to volume"
    for chart in ("views-by-month", "stoppages-by-month"):
        assert soup.find(attrs={"data-testid": f"table-{chart}"}) is not None
    read = search_entries(audit_db, event_type="audit_read")[0]
    assert read.details["view"] == "transparency_flows" and read.details["period_end"] == today_uk().isoformat()


def test_a_bad_period_gets_a_clear_error_not_a_crash(ig_client) -> None:  # type: ignore[no-untyped-def]
    response = ig_client.get("/transparency/?from-day=31&from-month=2&from-year=2026")
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    assert "Date from must be a real date" in soup.select_one(".govuk-error-summary").get_text()
    backwards = ig_client.get("/transparency/governance?from-day=2&from-month=3&from-year=2026"
                              "&to-day=1&to-month=3&to-year=2026")
    assert backwards.status_code == 400 and "same as or after" in backwards.get_data(as_text=True)


def test_governance_lists_unused_clauses_stop_pairs_reliability_and_reviews(ig_client, seed, app) -> None:  # type: ignore[no-untyped-def]
    clauses = app.extensions["agreements"].clauses
    used = clauses[0].ref
    seed(view("health.visitor", agreements=(used,), sources=TIMED_OUT))
    soup = check_page(ig_client.get("/transparency/governance").get_data(as_text=True))
    unused = soup.find(attrs={"data-testid": "unused-clauses"}).get_text()
    assert used not in unused and clauses[-1].ref in unused
    assert used in soup.find(attrs={"data-testid": "used-clauses"}).get_text()
    pairs = [[c.get_text(strip=True) for c in row.find_all(["th", "td"])]
             for row in soup.find(attrs={"data-testid": "stop-pairs"}).tbody.find_all("tr")]
    assert ["NHS Glenmorven", "Police Scotland", "Source timed out", "1"] in pairs
    rows = soup.find(attrs={"data-testid": "reliability"}).tbody.find_all("tr")
    reliability = {row.find_all("td")[0].get_text(strip=True): [c.get_text(strip=True) for c in row.find_all("td")]
                   for row in rows}
    assert reliability["Police Scotland"][1:7] == ["1", "0", "0", "0", "1", "0"]
    assert reliability["NHS Glenmorven"][-1] == "≤ 100 ms"  # 90 ms falls in the band 75 < t ≤ 100 ms


def test_publishing_needs_confirmation_then_stores_a_suppressed_snapshot_and_audits_it(  # type: ignore[no-untyped-def]
        ig_client, seed, app) -> None:
    app.config["TRANSPARENCY_PUBLIC"] = True
    _busy_month(seed)
    seed(view("teacher", purpose_code="child_protection"), view("teacher", purpose_code="child_protection"))
    today = today_uk()
    review = ig_client.get("/transparency/publish").get_data(as_text=True)
    preview = check_page(review).find(attrs={"data-testid": "published-views_by_organisation_and_role"}).get_text()
    assert "fewer than 5" in preview  # the teacher's two views
    csrf = extract_csrf(review)
    unconfirmed = ig_client.post("/transparency/publish", data={**_period_form(today, confirm=False),
                                                                "csrf_token": csrf})
    assert unconfirmed.status_code == 400 and "Confirm that you have reviewed" in unconfirmed.get_data(as_text=True)
    assert ig_client.post("/transparency/publish", data=_period_form(today)).status_code == 400  # no CSRF token
    done = ig_client.post("/transparency/publish", data={**_period_form(today), "csrf_token": csrf})
    assert done.status_code == 302
    published = search_entries(audit_db, event_type="audit_export")[0]
    assert published.details["export"] == "transparency_snapshot" and published.user_id == "ig.officer"

    ig_client.post("/sign-out", data={"csrf_token": csrf})
    page = ig_client.get("/transparency/public")
    assert page.status_code == 200
    soup = check_page(page.get_data(as_text=True))
    assert "fewer than 5" in soup.get_text()
    public_diagram = soup.find(attrs={"data-testid": "diagram-published-flows"})
    drawn = [title.get_text() for title in public_diagram.select("path > title")]
    assert "Police Scotland → Source timed out: 6" in drawn
    assert "All organisations → Refused: no relationship or purpose allowed: 6" in drawn
    assert not [line for line in drawn if line.startswith("education")], "a suppressed figure is not drawn"
    json_link = soup.find("a", string="Download these figures as JSON")["href"]
    figures = json.loads(ig_client.get(json_link).get_data(as_text=True))
    assert published.details["sha256"] in page.get_data(as_text=True)
    views = next(t for t in figures["tables"] if t["id"] == "views_by_month")
    assert views["totals"]["total"] == {"value": 17}
    csv_link = soup.find("a", string="Download these figures as CSV")["href"]
    rows = list(csv.DictReader(io.StringIO(ig_client.get(csv_link).get_data(as_text=True))))
    values = [int(row["value"]) for row in rows if row["value"]]
    assert values and not [value for value in values if 0 < value < 5]
    assert {row["suppressed"] for row in rows if not row["value"]} <= {"fewer_than_5", "secondary"}
    text = json.dumps(figures)
    assert "health.visitor" not in text and "Jo Campbell" not in text and CHILD_CHI not in text


def test_public_pages_are_off_unless_configured(client, app) -> None:  # type: ignore[no-untyped-def]
    assert app.config["TRANSPARENCY_PUBLIC"] is False
    for path in ("/transparency/public", "/transparency/public/1", "/transparency/public/1.csv",
                 "/transparency/public/schema"):
        assert client.get(path).status_code == 404
    app.config["TRANSPARENCY_PUBLIC"] = True
    assert "Nothing has been published yet" in client.get("/transparency/public").get_data(as_text=True)
    assert client.get("/transparency/public/99.csv").status_code == 404
    schema = check_page(client.get("/transparency/public/schema").get_data(as_text=True))
    assert "fewer_than_5" in schema.find(attrs={"data-testid": "json-schema"}).get_text()


def test_snapshots_cannot_be_changed_once_published(app) -> None:  # type: ignore[no-untyped-def]
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from portal.audit.snapshots import save_snapshot

    with app.app_context():
        save_snapshot(audit_db, published_at=datetime.now(UTC), start=date.today() - timedelta(days=1),
                      end=date.today(), figures_json="{}", sha256="0" * 64)
        with pytest.raises(DatabaseError, match="append-only"), audit_db.engine.begin() as connection:
            connection.execute(text("UPDATE transparency_snapshots SET figures = '{\"tables\": []}'"))
