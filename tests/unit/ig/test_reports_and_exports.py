"""Who-has-viewed report (SAR), its CSV, and the CSV / FHIR exports of the trail."""

from __future__ import annotations

import csv
import io
import json

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.support.ig_forms import download_export, who_viewed, who_viewed_csv
from tests.unit.ig.conftest import CHILD_CHI, OTHER_CHI, crafted, view
from tests.unit.ig.pages import check_page


def _seed_history(seed):  # type: ignore[no-untyped-def]
    return seed(view("health.visitor", CHILD_CHI), crafted("search", "teacher", subject_chi=CHILD_CHI),
                crafted("print", "lead.professional", subject_chi=CHILD_CHI, purpose_code="child_protection"),
                crafted("refused", "police.concern", subject_chi=CHILD_CHI, outcome=4),
                view("teacher", OTHER_CHI))


def test_who_viewed_lists_every_successful_access_to_that_child_only(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    _seed_history(seed)
    response = who_viewed(ig_client, CHILD_CHI)
    soup = check_page(response.get_data(as_text=True), never_in_title=(CHILD_CHI,))
    accesses = soup.find(attrs={"data-testid": "accesses"}).find("tbody").find_all("tr")
    whats = [row.find_all("td")[1].get_text() for row in accesses]
    assert whats == ["Print", "Search result", "View of a child"]  # the refusal is not an access; newest first
    # Why, in words a family can read: the purpose's label, never its code.
    assert "Child protection enquiry or IRD" in accesses[0].get_text() and "Alex Morrison" in accesses[0].get_text()
    assert "child_protection" not in accesses[0].get_text()
    viewers = soup.find(attrs={"data-testid": "viewers"}).get_text()
    assert "Jo Campbell" in viewers and "Chris Baird" not in viewers
    assert soup.find(attrs={"data-print": True}) is not None
    assert "12 or over" in soup.get_text()
    read = search_entries(audit_db, event_type="audit_read")[0]
    assert read.subject_chi == CHILD_CHI and read.purpose_of_use == "PATRQT" and read.details["lines"] == 3


def test_who_viewed_needs_a_valid_chi(ig_client) -> None:  # type: ignore[no-untyped-def]
    soup = check_page(who_viewed(ig_client, "").get_data(as_text=True))
    assert "Enter the child's CHI number" in soup.find(class_="govuk-error-summary").get_text()
    soup = check_page(who_viewed(ig_client, "12345").get_data(as_text=True))
    assert "CHI number must be 10 digits" in soup.find(class_="govuk-error-summary").get_text()
    assert search_entries(audit_db, event_type="audit_read") == []


def test_who_viewed_csv_download_is_recorded_and_safe_for_spreadsheets(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    _seed_history(seed)
    seed(view("teacher", CHILD_CHI, user_display_name="=HYPERLINK(\"http://x\")"))
    response = who_viewed_csv(ig_client, CHILD_CHI)
    disposition = response.headers["Content-Disposition"]
    assert response.mimetype == "text/csv" and disposition.startswith("attachment;")
    assert CHILD_CHI not in disposition
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "When (UK time)" and len(rows) == 5
    assert rows[1][2].startswith("'=")  # a formula-looking name is neutralised
    export = search_entries(audit_db, event_type="audit_export")[0]
    assert export.subject_chi == CHILD_CHI and export.details["export"] == "who_viewed_csv"


def test_fhir_export_is_a_valid_r4_bundle_of_audit_events(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    _seed_history(seed)
    response = download_export(ig_client, f"format=fhir&chi={CHILD_CHI}")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".fhir.json" in response.headers["Content-Disposition"]
    bundle = Bundle.model_validate(json.loads(response.get_data(as_text=True)))
    events = [item.resource for item in bundle.entry]
    assert events and all(isinstance(event, AuditEvent) for event in events)
    # The four entries about this child plus the export's own record, which is written first.
    assert len(events) == 5
    patients = {entity.what.identifier.value for event in events for entity in event.entity or []
                if entity.type and entity.type.code == "1"}  # type 1: the person the event is about
    assert patients == {CHILD_CHI}
    export = search_entries(audit_db, event_type="audit_export")[0]
    assert export.details == {"export": "fhir", "filters": {}} and export.subject_chi == CHILD_CHI


def test_csv_export_filters_by_user_and_date(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    _seed_history(seed)
    response = download_export(ig_client, "format=csv&user=teacher&since-day=1&since-month=1&since-year=2020")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(row["event_type"] for row in rows) == ["search", "view_child"]
    assert {row["user_id"] for row in rows} == {"teacher"}


def test_export_form_errors_are_explained(ig_client) -> None:  # type: ignore[no-untyped-def]
    response = download_export(ig_client, "format=pdf&chi=99")
    assert response.status_code == 400
    summary = check_page(response.get_data(as_text=True)).find(class_="govuk-error-summary").get_text()
    assert "Select CSV or FHIR" in summary and "10 digits" in summary
    check_page(ig_client.get("/ig/exports").get_data(as_text=True))


def test_who_viewed_says_why_in_words_and_links_break_glass_views_to_their_reason(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    started = datetime.now(UTC) - timedelta(minutes=10)
    [grant] = seed(crafted("break_glass_start", "teacher", subject_chi=CHILD_CHI, break_glass=True,
                           break_glass_reason="immediate_risk: Child arrived at school injured",
                           purpose_code="child_protection", purpose_of_use="BTG",
                           details={"grant_id": 7, "expires_at": (started + timedelta(hours=1)).isoformat()}),
                   at=started)
    seed(view("teacher", CHILD_CHI, break_glass=True, relationship_basis="break_glass",
              purpose_code="child_protection", purpose_of_use="BTG"),
         view("health.visitor", CHILD_CHI, relationship_basis="team_around_child", purpose_code="girfec_wellbeing"))
    soup = check_page(who_viewed(ig_client, CHILD_CHI).get_data(as_text=True),
                      never_in_title=(CHILD_CHI,))
    rows = soup.find(attrs={"data-testid": "accesses"}).find("tbody").find_all("tr")
    by_who = {row.find_all("td")[2].get_text(): row for row in rows}
    health = next(row for who, row in by_who.items() if "health.visitor" in who)
    assert health.find(attrs={"data-testid": "why"}).get_text(strip=True) == "GIRFEC wellbeing planning"
    assert health.find(attrs={"data-testid": "basis"}).get_text(strip=True) == "Member of the team around the child"
    teacher = next(row for who, row in by_who.items() if "teacher" in who)
    basis = teacher.find(attrs={"data-testid": "basis"})
    assert "Immediate risk of significant harm to the child" in basis.get_text()
    assert "Child arrived at school injured" in basis.get_text()
    assert "no reason recorded" not in soup.get_text()
    assert basis.find("a")["href"].endswith(f"/ig/audit/{grant.sequence}")
    for code in ("girfec_wellbeing", "team_around_child", "COC", "immediate_risk"):
        assert code not in soup.find(attrs={"data-testid": "accesses"}).get_text()
