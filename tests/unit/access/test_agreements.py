"""Loading and validating the agreements file: every problem names the file, the line and what is wrong."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from portal.access.agreements import AgreementError, Agreements, load_agreements

TODAY = date(2026, 11, 22)

GOOD_CLAUSE = """\
[[agreement]]
source = "police"
reference = "ISP-TEST/1"
review_date = 2027-03-31
requesting_agencies = ["education"]
roles = ["practitioner"]
categories = ["police_concerns"]
purposes = ["child_protection"]
labels = ["N"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agreements.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> AgreementError:
    with pytest.raises(AgreementError) as caught:
        load_agreements(write(tmp_path, text), today=TODAY)
    return caught.value


def test_demo_agreements_load_without_problems_or_warnings(demo_agreements: Agreements) -> None:
    assert demo_agreements.warnings == ()
    assert {c.source for c in demo_agreements.clauses} == {"health", "social_work", "education", "police", "scra"}
    assert set(demo_agreements.owning_teams) == {"health", "social_work", "education", "police", "scra"}
    assert any(c.break_glass for c in demo_agreements.clauses)


def test_a_good_clause_is_read_with_its_reference_and_line(tmp_path: Path) -> None:
    agreements = load_agreements(write(tmp_path, "# comment\n\n" + GOOD_CLAUSE), today=TODAY)
    (clause,) = agreements.clauses
    assert clause.ref == "ISP-TEST/1"
    assert clause.line == 3
    assert clause.covers("education", "practitioner", "child_protection")
    assert not clause.covers("education", "practitioner", "girfec_wellbeing")
    assert not clause.break_glass and not clause.reveal_restricted


def test_unknown_category_points_at_its_line_inside_a_multi_line_list(tmp_path: Path) -> None:
    text = GOOD_CLAUSE.replace(
        'categories = ["police_concerns"]', 'categories = [\n  "police_concerns",\n  "attendance",\n]'
    )
    error = problems_of(tmp_path, text)
    assert error.problems == [(9, "unknown category 'attendance' for source 'police' in 'categories'")]
    assert str(error).startswith(f"{tmp_path / 'agreements.toml'}, line 9: ")


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ('purposes = ["child_protection"]', 'purposes = ["gossip"]', 8, "unknown purpose 'gossip'"),
        ('roles = ["practitioner"]', 'roles = ["janitor"]', 6, "unknown role 'janitor'"),
        ('source = "police"', 'source = "fire"', 2, "unknown agency 'fire'"),
        ('requesting_agencies = ["education"]', 'requesting_agencies = ["nhs"]', 5, "unknown agency 'nhs'"),
        ("review_date = 2027-03-31", 'review_date = "31/03/2027"', 4, "bad date '31/03/2027'"),
        ("review_date = 2027-03-31", "review_date = 2027-03-31T10:00:00", 4, "bad date"),
        ('labels = ["N"]', 'labels = ["N", "V"]', 9, "label 'V' cannot be granted"),
        ('labels = ["N"]', 'labels = ["X"]', 9, "unknown label 'X'"),
        ('labels = ["N"]', 'labels = ["N"]\nbreak_glass = "yes"', 10, "'break_glass' must be true or false"),
        ('labels = ["N"]', 'labels = ["N"]\nrestricted_roles = ["practitioner"]', 10, "needs 'R' in 'labels'"),
        ('labels = ["N"]', 'labels = ["N"]\npurpose = "typo"', 10, "unknown key 'purpose'"),
        ('roles = ["practitioner"]', "roles = []", 6, "'roles' must be a non-empty list"),
    ],
)
def test_semantic_problems_name_the_line(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    assert old in GOOD_CLAUSE
    error = problems_of(tmp_path, "\n" + GOOD_CLAUSE.replace(old, new))
    assert [p[0] for p in error.problems] == [line + 1]  # +1: the blank first line
    assert message in error.problems[0][1]


def test_missing_key_points_at_the_agreement_header(tmp_path: Path) -> None:
    text = GOOD_CLAUSE + "\n" + GOOD_CLAUSE.replace('purposes = ["child_protection"]\n', "")
    error = problems_of(tmp_path, text)
    assert error.problems == [(11, "missing key 'purposes' in [[agreement]]")]


def test_toml_syntax_error_reports_tomllib_line(tmp_path: Path) -> None:
    text = GOOD_CLAUSE.replace('roles = ["practitioner"]', 'roles = ["practitioner"')
    error = problems_of(tmp_path, text)
    (line, message), = error.problems
    assert line == 7  # tomllib notices the unclosed list on the next line
    assert message.startswith("TOML syntax error")
    assert "agreements.toml, line 7: TOML syntax error" in str(error)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = GOOD_CLAUSE.replace('roles = ["practitioner"]', 'roles = ["janitor"]') + "\n" + GOOD_CLAUSE.replace(
        'purposes = ["child_protection"]', 'purposes = ["gossip"]'
    )
    error = problems_of(tmp_path, text)
    assert [line for line, _ in error.problems] == [6, 18]
    assert len(str(error).splitlines()) == 2


def test_restricted_role_must_be_one_of_the_clause_roles(tmp_path: Path) -> None:
    text = GOOD_CLAUSE.replace('labels = ["N"]', 'labels = ["N", "R"]\nrestricted_roles = [\n  "lead_professional",\n]')
    error = problems_of(tmp_path, text)
    assert error.problems == [(11, "restricted role 'lead_professional' is not in this clause's 'roles'")]


def test_source_sections_are_checked(tmp_path: Path) -> None:
    text = '[source.police]\nowning_team = "Hub"\n\n[source.fire]\nowning_team = "Crew"\n\n' + GOOD_CLAUSE
    text += '\n[source.scra]\ncontact = "x"\n'
    error = problems_of(tmp_path, text)
    lines = [line for line, _ in error.problems]
    assert lines == [4, 17, 18]
    assert "unknown agency 'fire'" in error.problems[0][1]
    assert {"unknown key 'contact' in [source.scra]", "missing key 'owning_team' (a team name)"} == {
        message for _, message in error.problems[1:]
    }


def test_unknown_top_level_key_and_empty_file(tmp_path: Path) -> None:
    unknown = problems_of(tmp_path, 'version = 2\n' + GOOD_CLAUSE)
    assert unknown.problems == [(1, "unknown top-level key 'version'")]
    empty = problems_of(tmp_path, "# nothing here\n")
    assert "no [[agreement]] blocks" in empty.problems[0][1]


def test_missing_file_is_an_agreement_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="nope.toml, line 1: cannot read"):
        load_agreements(tmp_path / "nope.toml")


def test_past_review_date_is_a_warning_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = "\n\n" + GOOD_CLAUSE.replace("review_date = 2027-03-31", "review_date = 2026-01-31")
    with caplog.at_level(logging.WARNING, logger="portal.access.agreements"):
        agreements = load_agreements(write(tmp_path, text), today=TODAY)
    assert len(agreements.clauses) == 1
    (warning,) = agreements.warnings
    assert "line 3" in warning and "ISP-TEST/1" in warning and "2026-01-31" in warning
    assert warning in caplog.text


def test_review_date_as_iso_string_is_accepted(tmp_path: Path) -> None:
    text = GOOD_CLAUSE.replace("review_date = 2027-03-31", 'review_date = "2027-03-31"')
    (clause,) = load_agreements(write(tmp_path, text), today=TODAY).clauses
    assert clause.review_date == date(2027, 3, 31)


def test_clauses_are_checked_against_the_configured_agencies_not_a_fixed_list(tmp_path: Path) -> None:
    from connectors.agencies import agencies_from_document

    tables = {key: {"display_name": key.title(), "source_system": "System", "domain": domain}
              for key, domain in (("police", "police"), ("education", "education"),
                                  ("education_north", "education"))}
    directory = agencies_from_document({"agencies": tables})
    clause = GOOD_CLAUSE.replace('["education"]', '["education", "education_north"]')
    north = clause.replace('source = "police"', 'source = "education_north"').replace(
        '["police_concerns"]', '["pastoral_notes"]')
    agreements = load_agreements(write(tmp_path, clause + "\n" + north), today=TODAY, agencies=directory)
    assert [c.source for c in agreements.clauses] == ["police", "education_north"]
    assert agreements.clauses[1].covers("education_north", "practitioner", "child_protection")
    assert agreements.agencies is directory
    # The project's own connectors file has no education_north: the same clauses fail, naming the fix.
    error = problems_of(tmp_path, north)
    assert "unknown agency 'education_north': no [agencies.education_north] table in the connectors file" in str(
        error)
