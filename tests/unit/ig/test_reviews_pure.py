"""Break-glass windows and what-was-seen summaries, on crafted entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.ig.reviews import reviews_by_start, summarise_sources, validate_decision, views_in_window, window_end
from tests.unit.ig.test_flags import entry

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_window_defaults_to_four_hours_and_honours_expiry_and_early_end() -> None:
    start = entry("break_glass_start", at=START, break_glass=True)
    assert window_end(start, []) == (START + timedelta(hours=4), False)
    with_expiry = entry("break_glass_start", at=START, details={"expires_at": "2026-03-10T13:00:00+00:00"})
    assert window_end(with_expiry, []) == (START + timedelta(hours=1), False)
    end = entry("break_glass_end", at=START + timedelta(minutes=30), related_sequence=start.sequence)
    unrelated = entry("break_glass_end", at=START + timedelta(minutes=5), related_sequence=start.sequence + 999)
    assert window_end(start, [unrelated, end]) == (START + timedelta(minutes=30), True)


def test_an_end_without_a_reference_is_matched_by_grant_id_else_by_user_and_child() -> None:
    start = entry("break_glass_start", at=START, details={"grant_id": 4})
    other_grant = entry("break_glass_end", at=START + timedelta(minutes=5), details={"grant_id": 5})
    same_grant = entry("break_glass_end", at=START + timedelta(minutes=9), details={"grant_id": 4})
    assert window_end(start, [other_grant, same_grant]) == (START + timedelta(minutes=9), True)
    plain_start = entry("break_glass_start", at=START)
    other_child = entry("break_glass_end", at=START + timedelta(minutes=1), chi="another")
    same_child = entry("break_glass_end", at=START + timedelta(minutes=2))
    assert window_end(plain_start, [other_child, same_child]) == (START + timedelta(minutes=2), True)


def test_views_in_window_keep_the_same_user_and_child_only() -> None:
    before = entry(at=START)  # same instant, but written before the glass was broken
    start = entry("break_glass_start", at=START)
    inside = entry(at=START + timedelta(minutes=1))
    candidates = [before, inside, entry(at=START + timedelta(minutes=1), user="someone-else"),
                  entry(at=START + timedelta(minutes=1), chi="another"), entry(at=START + timedelta(hours=5)),
                  entry(at=START + timedelta(minutes=1), outcome=4)]
    assert views_in_window(start, START + timedelta(hours=4), candidates) == [inside]


def test_sources_are_totalled_per_agency() -> None:
    views = [entry(sources=[{"agency": "health", "status": "answered", "item_count": 3}]),
             entry(sources=[{"agency": "health", "status": "timed_out", "item_count": 0},
                            {"agency": "education", "status": "answered", "item_count": 1}])]
    summary = [(s.agency, s.views, s.items, s.statuses) for s in summarise_sources(views)]
    assert summary == [("education", 1, 1, ("answered",)), ("health", 2, 3, ("answered", "timed_out"))]


def test_first_review_wins_and_decisions_are_checked() -> None:
    first = entry("break_glass_review", related_sequence=7)
    later = entry("break_glass_review", related_sequence=7)
    assert reviews_by_start([later, first]) == {7: first}
    assert validate_decision({"decision": "appropriate", "note": " ok "}) == (
        {"decision": "appropriate", "note": "ok"}, {})
    assert set(validate_decision({"decision": "maybe", "note": "x" * 2001})[1]) == {"decision", "note"}
