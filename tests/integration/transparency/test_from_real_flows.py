"""A demo-like run through the real portal and sandbox agencies, then the transparency tool read by an IG officer.

Several users and purposes, a refusal, a break-glass and an agency timeout are driven
through the ordinary routes; the figures the tool shows must equal what this test
works out on its own from the audit trail's CSV export.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.audit.export import export_csv
from portal.transparency.labels import agency_label, purpose_label, reason_label, role_label
from tests.conftest import extract_csrf
from tests.integration.access.conftest import BREAK_GLASS_REASON, JUSTIFICATION
from tests.integration.children.conftest import open_child

VIEW_EVENTS = {"view_child", "chronology_page", "print"}


def _sign_out(client: FlaskClient) -> None:
    client.post("/sign-out", data={"csrf_token": extract_csrf(client.get("/").get_data(as_text=True))})


def _demo_run(app, client, sign_in, sandbox, faults) -> None:  # type: ignore[no-untyped-def]
    app.config["FEDERATION_DEADLINE_S"] = 1.5
    chi = sandbox.child("multi_agency")["chi"]
    sign_in("lead.professional")
    faults("police", "hang")
    open_child(client, chi, "child_protection")  # police times out
    faults("police", None)
    open_child(client, chi, "girfec_wellbeing")
    _sign_out(client)
    sign_in("teacher")  # no relationship with the multi-agency children
    url, _ = open_child(client, chi, "child_protection")  # refused
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    client.post(f"{url.removesuffix('/content')}/break-glass",
                data={"csrf_token": csrf, "reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION})
    assert client.get(url).status_code == 200  # the view under break-glass
    _sign_out(client)


def _exported(app) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from portal.extensions import audit_db

    out = io.StringIO()
    with app.app_context():
        export_csv(audit_db, out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def _stops_of(source: dict[str, Any], chi: str) -> list[str]:
    """This test's own reading of one source line: the reasons the tool documents, in Python."""
    reasons = []
    if source.get("withheld_categories") or source["status"] == "withheld":
        reasons.append("category_not_agreed")
    if source.get("restricted_withheld", 0) > 0:
        reasons.append("restricted_withheld")
    if source.get("sealed_notices", 0) > 0:
        reasons.append("sealed_notice")
    if source["status"] in ("timed_out", "failed"):
        reasons.append(source["status"])
    if source["status"] == "no_record" and (source.get("candidates", 0) > 0 or not chi):
        reasons.append("not_matched")
    if source.get("dropped_wrong_child", 0) > 0:
        reasons.append("wrong_person_dropped")
    return reasons


def _expected(rows: list[dict[str, Any]]) -> dict[str, Counter[tuple[str, ...]]]:
    views = [row for row in rows if row["event_type"] in VIEW_EVENTS and row["outcome"] == "0"]
    stops: Counter[tuple[str, ...]] = Counter()
    by_agency: Counter[tuple[str, ...]] = Counter()
    asked: Counter[tuple[str, ...]] = Counter()
    for row in views:
        for source in json.loads(row["sources"] or "[]"):
            asked[(purpose_label(row["purpose_code"]), agency_label(source["agency"]))] += 1
            for reason in _stops_of(source, row["subject_chi"]):
                stops[(reason_label(reason),)] += 1
                key = (purpose_label(row["purpose_code"]), agency_label(source["agency"]), reason_label(reason))
                by_agency[key] += 1
    for row in rows:
        reason = {"refused": "refused", "break_glass_start": "break_glass"}.get(row["event_type"])
        if reason:
            stops[(reason_label(reason),)] += 1
            by_agency[(purpose_label(row["purpose_code"]), agency_label(None), reason_label(reason))] += 1
    return {
        "views-by-org-role": Counter((r["organisation"], role_label(r["user_role"])) for r in views),
        "views-by-org-purpose": Counter((r["organisation"], purpose_label(r["purpose_code"])) for r in views),
        "stops-by-reason": stops,
        "stops-by-purpose-agency": by_agency,
        "sources-by-purpose": asked,
    }


def _table(soup: BeautifulSoup, testid: str, keys: int, value_column: int) -> Counter[tuple[str, ...]]:
    table = soup.find(attrs={"data-testid": testid})
    found: Counter[tuple[str, ...]] = Counter()
    for row in table.find("tbody").find_all("tr"):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        found[tuple(cells[:keys])] += int(cells[value_column].replace(",", ""))
    return found


def test_the_tool_shows_each_flow_and_stoppage_where_the_export_says(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, faults) -> None:
    _demo_run(child_app, client, sign_in, sandbox, faults)
    sign_in("ig.officer")
    page = client.get("/transparency/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    expected = _expected(_exported(child_app))

    assert _table(soup, "views-by-org-role", 2, 2) == expected["views-by-org-role"]
    assert _table(soup, "views-by-org-purpose", 2, 2) == expected["views-by-org-purpose"]
    assert _table(soup, "sources-by-purpose", 2, 2) == expected["sources-by-purpose"]
    assert _table(soup, "stops-by-reason", 1, 1) == expected["stops-by-reason"]
    assert _table(soup, "stops-by-purpose-agency", 3, 3) == expected["stops-by-purpose-agency"]

    # Each event of the run is where it belongs.
    by_agency = _table(soup, "stops-by-purpose-agency", 3, 3)
    protection = purpose_label("child_protection")
    assert by_agency[(protection, "Police Scotland", reason_label("timed_out"))] == 1
    assert by_agency[(protection, agency_label(None), reason_label("refused"))] >= 1
    assert by_agency[(protection, agency_label(None), reason_label("break_glass"))] == 1
    roles = _table(soup, "views-by-org-role", 2, 2)
    assert {role for _, role in roles} == {role_label("lead_professional"), role_label("practitioner")}
    assert {purpose for _, purpose in _table(soup, "views-by-org-purpose", 2, 2)} == {
        protection, purpose_label("girfec_wellbeing")}

    # The diagram draws the same flows: the timeout and the refusal end in nodes of their own.
    diagram = soup.find(attrs={"data-testid": "diagram-flows"})
    node_titles = [title.get_text() for title in diagram.select("rect > title")]
    assert any(title.startswith(reason_label("timed_out")) for title in node_titles)
    assert any(title.startswith(reason_label("refused")) for title in node_titles)
    links = _table(diagram, "table-flows", 2, 3)
    assert links[("Police Scotland", reason_label("timed_out"))] == 1
