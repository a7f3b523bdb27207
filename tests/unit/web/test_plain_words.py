"""Plain words and one date format: the label table, agencies' values written out, overdue reviews, match words."""

from __future__ import annotations

from datetime import UTC, date, datetime

from connectors.models import PersonQuery
from portal.children.first_screen import overdue_reviews
from portal.children.forms import SearchRequest
from portal.children.match_words import how_matched, match_strength
from portal.labels import clock_time, label, long_date, long_datetime, plain_value
from portal.record.match import MatchResult


def test_every_code_the_issue_found_on_screen_has_words() -> None:
    assert label("cp_registration", "event_type") == "Child protection registration"
    assert label("scra_referral", "event_type") == "Referral to the Children's Reporter"
    assert label("social_work", "agency") == "Social work"
    assert label("girfec_wellbeing", "purpose") == "GIRFEC wellbeing planning"
    assert label("team_around_child", "basis") == "Member of the team around the child"
    assert label("COC", "act_reason") == "coordination of care"
    assert label("a_code_nobody_named", "event_type") == "A code nobody named"  # readable, never raw
    assert label(None, "agency") == ""


def test_agency_values_are_written_out() -> None:
    assert plain_value("multi_agency plan (active); next review 2026-10-15") == (
        "Multi-agency plan (active); next review 15 October 2026")
    assert plain_value("Looked after away_from_home since 2025-02-30") == (
        "Looked after away from home since 2025-02-30")  # not a real date: left as the agency wrote it


def test_one_date_format_and_uk_clock_times() -> None:
    assert long_date(date(2026, 4, 18)) == "18 April 2026"
    assert long_date(None) == "not recorded"
    summer = datetime(2026, 7, 1, 13, 5, tzinfo=UTC)
    assert clock_time(summer) == "14:05 BST"
    assert long_datetime(datetime(2026, 1, 5, 23, 30, tzinfo=UTC)) == "5 January 2026 at 23:30 GMT"
    assert long_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"  # already 1 July in the UK


def test_a_review_is_overdue_only_once_its_date_has_passed() -> None:
    value = "Registered since 2026-04-18. Next review 2026-10-15."
    assert overdue_reviews(value, date(2026, 10, 15)) == []
    assert overdue_reviews(value, date(2026, 10, 16)) == ["Review overdue: was due 15 October 2026 (1 day ago)"]
    assert overdue_reviews("CSO since 2025-05-16; review 2026-05-16", date(2026, 6, 1)) == [
        "Review overdue: was due 16 May 2026 (16 days ago)"]
    assert overdue_reviews("No review date recorded", date(2030, 1, 1)) == []


def test_match_words_never_blame_the_agencies_for_what_was_not_entered() -> None:
    by_chi = SearchRequest(PersonQuery(chi="1202189164"), "child_protection", True)
    exact = MatchResult(40.0, "link", ("CHI matches", "surname not recorded", "first name not recorded"),
                        basis="identifier")
    assert how_matched(exact, by_chi, ("Health", "Education")) == (
        "The CHI number you entered is held by Health and Education.")
    assert match_strength(exact) == "Exact identifier"
    by_name = SearchRequest(PersonQuery(surname="Aitken", birth_date=date(2018, 2, 12)), "child_protection", False)
    possible = MatchResult(19.2, "candidate", ("surname matches", "first name not recorded", "date of birth exact",
                                               "postcode not recorded"))
    words = how_matched(possible, by_name, ("Health",))
    assert words == ("Matched on what you entered: last name matches and date of birth matches. "
                     "Not linked automatically: check before opening.")
    assert "19.2" not in words and match_strength(possible) == "Possible match"


def test_dates_are_written_as_strftime_writes_them_in_every_month_and_certainty() -> None:
    from connectors.models import DateCertainty
    from portal.record.merge import format_date

    for month in range(1, 13):
        day = date(2024, month, 9)
        assert long_date(day) == f"9 {day:%B %Y}"
        assert format_date(day) == f"9 {day:%B %Y}"
        assert format_date(day, DateCertainty.MONTH) == f"{day:%B %Y}"
        assert format_date(day, DateCertainty.APPROXIMATE) == f"?9 {day:%B %Y}"
    assert format_date(date(2024, 3, 9), DateCertainty.YEAR) == "2024"


def test_values_without_a_hyphen_or_underscore_are_changed_only_in_their_first_letter() -> None:
    # plain_value skips its date and code patterns when the value cannot match them (most values).
    assert plain_value("seen at home, all well") == "Seen at home, all well"
    assert plain_value("Review 2026-10-15") == "Review 15 October 2026"
    assert plain_value("kinship care, not_for_family") == "Kinship care, not for family"
