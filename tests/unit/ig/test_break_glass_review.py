"""The break-glass queue: open items show why and what was seen; a decision closes them and is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup

from portal.audit.entry import SourceAudit
from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.conftest import extract_csrf
from tests.unit.ig.conftest import CHILD_CHI, OTHER_CHI, crafted, view
from tests.unit.ig.pages import check_page

START = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


def _seed_episode(seed):  # type: ignore[no-untyped-def]
    start = seed(crafted("break_glass_start", "teacher", subject_chi=CHILD_CHI, break_glass=True,
                         break_glass_reason="Child missing overnight; police asked school for contacts",
                         details={"reason_code": "child_at_risk",
                                  "expires_at": (START + timedelta(hours=1)).isoformat()}), at=START)[0]
    glass = {"break_glass": True, "break_glass_reason": "missing", "relationship_basis": "break_glass"}
    inside = seed(view("teacher", CHILD_CHI, sources=(SourceAudit("health", "answered", 100, 5),
                                                      SourceAudit("police", "withheld", 0, 0)), **glass),
                  view("teacher", CHILD_CHI, sources=(SourceAudit("health", "answered", 100, 2),), **glass),
                  at=START + timedelta(minutes=10))
    # Not part of what was seen: another child, another user, and after expiry.
    seed(view("teacher", OTHER_CHI), view("health.visitor", CHILD_CHI), at=START + timedelta(minutes=20))
    seed(view("teacher", CHILD_CHI), at=START + timedelta(hours=2))
    return start, inside


def test_open_item_shows_justification_and_what_was_seen_in_the_window(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    start, inside = _seed_episode(seed)
    soup = check_page(ig_client.get("/ig/break-glass").get_data(as_text=True), never_in_title=(CHILD_CHI,))
    queue = soup.find(attrs={"data-testid": "open-queue"})
    assert f"Review break-glass entry {start.sequence}" in queue.get_text()
    assert "Child missing overnight" in queue.find(attrs={"data-testid": "justification"}).get_text()
    seen = " ".join(queue.find(attrs={"data-testid": "what-was-seen"}).get_text().split())
    assert seen.startswith("2 views")
    assert "health: 7 items over 2 views (answered)" in seen and "police: 0 items over 1 view (withheld)" in seen
    read = search_entries(audit_db, event_type="audit_read")[0]
    assert read.details["view"] == "break_glass_queue" and read.details["open"] == 1


def test_review_closes_the_item_and_records_the_decision(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    start, _ = _seed_episode(seed)
    item_page = ig_client.get(f"/ig/break-glass/{start.sequence}").get_data(as_text=True)
    check_page(item_page, never_in_title=(CHILD_CHI,))
    response = ig_client.post(f"/ig/break-glass/{start.sequence}/review", data={
        "csrf_token": extract_csrf(item_page), "decision": "appropriate", "note": "Confirmed with the head teacher."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ig/break-glass")
    reviews = search_entries(audit_db, event_type="break_glass_review")
    assert len(reviews) == 1
    review = reviews[0]
    assert review.related_sequence == start.sequence and review.subject_chi == CHILD_CHI
    assert review.user_id == "ig.officer"
    assert review.details == {"decision": "appropriate", "note": "Confirmed with the head teacher.",
                              "reviewed_user": "teacher"}
    queue = BeautifulSoup(ig_client.get("/ig/break-glass").get_data(as_text=True), "html.parser")
    assert queue.find(attrs={"data-testid": "open-queue"}) is None
    assert queue.find(attrs={"data-testid": "queue-empty"}) is not None
    reviewed = queue.find(attrs={"data-testid": "reviewed-list"}).get_text()
    assert f"Entry {start.sequence}" in reviewed and "Appropriate" in reviewed and "head teacher" in reviewed
    assert "Review recorded: appropriate." in queue.get_text()


def test_a_decision_needs_a_choice_and_a_note(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    start, _ = _seed_episode(seed)
    token = extract_csrf(ig_client.get(f"/ig/break-glass/{start.sequence}").get_data(as_text=True))
    response = ig_client.post(f"/ig/break-glass/{start.sequence}/review", data={"csrf_token": token, "note": "  "})
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    summary = soup.find(class_="govuk-error-summary").get_text()
    assert "Select whether the break-glass access was appropriate" in summary
    assert "Enter a note explaining your decision" in summary
    assert search_entries(audit_db, event_type="break_glass_review") == []


def test_a_decision_without_the_csrf_token_is_refused(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    start, _ = _seed_episode(seed)
    response = ig_client.post(f"/ig/break-glass/{start.sequence}/review",
                              data={"decision": "inappropriate", "note": "forged"})
    assert response.status_code == 400
    assert search_entries(audit_db, event_type="break_glass_review") == []


def test_an_item_is_reviewed_once(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    start, _ = _seed_episode(seed)
    token = extract_csrf(ig_client.get(f"/ig/break-glass/{start.sequence}").get_data(as_text=True))
    form = {"csrf_token": token, "decision": "inappropriate", "note": "No reason to look after the child was found."}
    ig_client.post(f"/ig/break-glass/{start.sequence}/review", data=form)
    again = ig_client.post(f"/ig/break-glass/{start.sequence}/review", data={**form, "decision": "appropriate"})
    assert again.status_code == 302
    assert len(search_entries(audit_db, event_type="break_glass_review")) == 1
    page = ig_client.get(f"/ig/break-glass/{start.sequence}").get_data(as_text=True)
    outcome = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "review-outcome"}).get_text()
    assert "inappropriate" in outcome


def test_only_break_glass_starts_can_be_reviewed(ig_client, seed) -> None:  # type: ignore[no-untyped-def]
    plain = seed(view())[0]
    assert ig_client.get(f"/ig/break-glass/{plain.sequence}").status_code == 404
