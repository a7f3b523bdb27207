"""Searching the trail and opening an entry: filters narrow results, and every read is itself recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.audit.entry import SourceAudit
from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.conftest import extract_csrf
from tests.support.ig_forms import search_trail
from tests.unit.ig.conftest import CHILD_CHI, OTHER_CHI, crafted, view
from tests.unit.ig.pages import check_page


def _result_entries(html: str) -> list[str]:
    soup = check_page(html, never_in_title=(CHILD_CHI, OTHER_CHI))
    table = soup.find(attrs={"data-testid": "trail-results"})
    if table is None:
        return []
    return [row.find("a").get_text() for row in table.find("tbody").find_all("tr")]


def test_the_empty_form_reads_nothing_and_records_nothing(ig_client) -> None:  # type: ignore[no-untyped-def]
    page = ig_client.get("/ig/audit").get_data(as_text=True)
    check_page(page)
    assert search_entries(audit_db, event_type="audit_read") == []


def test_filters_by_child_user_event_and_break_glass(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    mine = seed(view("health.visitor", CHILD_CHI), view("teacher", OTHER_CHI),
                view("teacher", CHILD_CHI, break_glass=True, break_glass_reason="urgent",
                     relationship_basis="break_glass"),
                crafted("refused", "police.concern", subject_chi=CHILD_CHI, outcome=4))
    by_child = _result_entries(search_trail(ig_client, f"chi={CHILD_CHI}").get_data(as_text=True))
    assert by_child == [f"Entry {mine[3].sequence}", f"Entry {mine[2].sequence}", f"Entry {mine[0].sequence}"]
    by_user = _result_entries(search_trail(ig_client, "user=teacher").get_data(as_text=True))
    assert by_user == [f"Entry {mine[2].sequence}", f"Entry {mine[1].sequence}"]
    refused = _result_entries(search_trail(ig_client, "event_type=refused").get_data(as_text=True))
    assert refused == [f"Entry {mine[3].sequence}"]
    glass = _result_entries(search_trail(ig_client, f"chi={CHILD_CHI}&break_glass=yes").get_data(as_text=True))
    assert glass == [f"Entry {mine[2].sequence}"]
    by_organisation = search_trail(ig_client, "organisation=police: Police Scotland").get_data(as_text=True)
    organisation = _result_entries(by_organisation)
    assert organisation == [f"Entry {mine[3].sequence}"]


def test_date_range_is_inclusive_of_uk_days(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: a UK user means 1 July.
    early = seed(view(), at=datetime(2026, 6, 29, 12, 0, tzinfo=UTC))[0]
    late_night = seed(view(), at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))[0]
    page = search_trail(ig_client, "from-day=1&from-month=7&from-year=2026&event_type=view_child").get_data(
        as_text=True)
    assert _result_entries(page) == [f"Entry {late_night.sequence}"]
    page = search_trail(ig_client, "to-day=30&to-month=6&to-year=2026&event_type=view_child").get_data(as_text=True)
    assert _result_entries(page) == [f"Entry {early.sequence}"]


def test_bad_chi_and_dates_are_explained_and_nothing_is_read(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view())
    response = search_trail(ig_client, "chi=0101011230&from-day=31&from-month=2&from-year=2026&to-day=1")
    soup = check_page(response.get_data(as_text=True))
    summary = soup.find(class_="govuk-error-summary").get_text()
    assert "check digit" in summary
    assert "Date from must be a real date" in summary
    assert "Date to must include a month" in summary
    assert soup.find("a", href="#chi") and soup.find("a", href="#from-day") and soup.find("a", href="#to-month")
    assert soup.title.get_text().startswith("Error:")
    assert soup.find(attrs={"data-testid": "trail-results"}) is None
    assert search_entries(audit_db, event_type="audit_read") == []


def test_a_search_is_recorded_with_its_filters_before_the_results_are_shown(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view())
    search_trail(ig_client, f"chi={CHILD_CHI}&user=health.visitor")
    reads = search_entries(audit_db, event_type="audit_read")
    assert len(reads) == 1
    assert reads[0].user_id == "ig.officer" and reads[0].subject_chi == CHILD_CHI
    assert reads[0].details["filters"] == {"user": "health.visitor"} and reads[0].details["results"] == 1
    assert reads[0].purpose_of_use == "HOPERAT"


def test_results_are_paged(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    seed(*[view() for _ in range(30)])
    first = search_trail(ig_client, "event_type=view_child").get_data(as_text=True)
    assert len(_result_entries(first)) == 25 and "page 1 of 2" in first
    second_url = check_page(first).find("a", rel="next")["href"]
    second = ig_client.get(second_url).get_data(as_text=True)
    assert len(_result_entries(second)) == 5 and "page 2 of 2" in second


def test_entry_detail_shows_every_field_sources_and_hashes_and_is_recorded(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    entry = seed(view(sources=(SourceAudit("police", "answered", 300, 3, ("P-9",), ("R",)),),
                      details={"section": "kis"}))[0]
    page = ig_client.get(f"/ig/audit/{entry.sequence}").get_data(as_text=True)
    soup = check_page(page, never_in_title=(CHILD_CHI,))
    assert soup.title.get_text().startswith(f"Audit entry {entry.sequence}")
    fields = soup.find(attrs={"data-testid": "entry-fields"}).get_text()
    for expected in (CHILD_CHI, "Jo Campbell", "named_person", "COC", "health: NHS Glenmorven"):
        assert expected in fields
    sources = soup.find(attrs={"data-testid": "entry-sources"}).get_text()
    assert "police" in sources and "P-9" in sources and "R" in sources
    assert soup.find(attrs={"data-testid": "entry-hash"}).get_text() == entry.entry_hash
    assert '"section": "kis"' in soup.find(attrs={"data-testid": "entry-details"}).get_text()
    read = search_entries(audit_db, event_type="audit_read")[0]
    assert read.related_sequence == entry.sequence and read.subject_chi == CHILD_CHI


def test_unknown_entry_is_not_found(ig_client) -> None:  # type: ignore[no-untyped-def]
    assert ig_client.get("/ig/audit/999999").status_code == 404


def test_reads_fail_closed_when_the_trail_cannot_record_them(ig_client, seed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from portal.audit.writer import AuditWriter

    seed(view())

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    csrf = extract_csrf(ig_client.get("/ig/exports").get_data(as_text=True))
    searched = search_trail(ig_client, f"chi={CHILD_CHI}").request.url  # the results' own address, read again
    monkeypatch.setattr(AuditWriter, "_append", broken)
    chi_form = {"chi": CHILD_CHI, "csrf_token": csrf}
    for path, form in ((searched, None), ("/ig/audit/1", None), ("/ig/who-viewed", chi_form),
                       ("/ig/exports/download", {**chi_form, "format": "csv"}), ("/ig/dashboard", None),
                       ("/ig/break-glass", None)):
        response = ig_client.get(path) if form is None else ig_client.post(path, data=form)
        assert response.status_code == 503, path
        body = response.get_data(as_text=True)
        assert CHILD_CHI not in body and "Jo Campbell" not in body and "health.visitor" not in body
        assert "attachment" not in response.headers.get("Content-Disposition", "")
