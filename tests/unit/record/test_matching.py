"""Demographic matching: the hard cases the demo cohort tags (twins, namesakes, variants, no CHI)."""

from __future__ import annotations

from datetime import date

from connectors.models import PersonQuery, PersonRecord
from portal.record.match import MatchThresholds, score_candidate

BIRTH = date(2015, 3, 12)
QUERY = PersonQuery(forename="Kate", surname="Mackenzie", birth_date=BIRTH, postcode="EH6 5AB", sex="female")


def record(**overrides: object) -> PersonRecord:
    fields: dict[str, object] = {
        "agency": "police",
        "source_id": "s1",
        "forename": "Kate",
        "surname": "Mackenzie",
        "birth_date": BIRTH,
        "postcode": "EH6 5AB",
        "sex": "female",
    }
    fields.update(overrides)
    return PersonRecord(**fields)  # type: ignore[arg-type]


def test_full_demographic_agreement_is_only_a_candidate_never_a_link() -> None:
    result = score_candidate(QUERY, record())
    assert result.decision == "candidate"
    assert result.basis == "demographic"
    assert {"surname matches", "first name matches", "date of birth exact", "postcode matches"} <= set(result.reasons)


def test_same_chi_links_and_different_chi_rejects_even_with_identical_demographics() -> None:
    query = PersonQuery(chi="1503741206", forename="Kate", surname="Mackenzie", birth_date=BIRTH)
    linked = score_candidate(query, record(identifiers=(("chi", "1503741206"),)))
    assert linked.decision == "link" and linked.reasons[0] == "CHI matches"
    namesake = score_candidate(query, record(identifiers=(("chi", "3112994507"),)))
    assert namesake.decision == "reject" and namesake.reasons[0] == "CHI differs"


def test_same_scn_links_when_both_sides_hold_one() -> None:
    ours = record(source_id="e1", agency="education", identifiers=(("scn", "150000019"),))
    theirs = record(source_id="e2", forename="Katie", identifiers=(("scn", "150000019"),))
    assert score_candidate(ours, theirs).decision == "link"
    other = record(source_id="e3", identifiers=(("scn", "150000027"),))
    assert score_candidate(ours, other).reasons[0] == "SCN differs"


def test_mackenzie_mcKenzie_and_kate_katie_with_a_new_postcode_is_a_candidate_with_reasons() -> None:
    result = score_candidate(QUERY, record(forename="Katie", surname="McKenzie", postcode="G12 8QQ", sex=None))
    assert result.decision == "candidate"
    assert result.reasons == (
        "surname matches: Mackenzie/McKenzie",
        "first name similar: Kate/Katie",
        "date of birth exact",
        "postcode differs",
    )


def test_catherine_is_a_known_variant_of_kate_and_scores_above_an_unrelated_similar_spelling() -> None:
    variant = score_candidate(QUERY, record(forename="Catherine"))
    assert "first name similar: Kate/Catherine" in variant.reasons
    assert variant.decision == "candidate"
    assert variant.score > score_candidate(QUERY, record(forename="Karen")).score


def test_twin_with_same_surname_dob_and_postcode_is_rejected_and_says_why() -> None:
    result = score_candidate(QUERY, record(forename="Emily"))
    assert result.decision == "reject"
    assert "first name differs: Kate/Emily" in result.reasons
    assert any("twin" in reason for reason in result.reasons)


def test_namesake_with_different_birth_date_and_address_is_rejected() -> None:
    result = score_candidate(QUERY, record(birth_date=date(2012, 7, 1), postcode="AB10 1AA"))
    assert result.decision == "reject"
    assert "date of birth differs" in result.reasons


def test_hyphenated_surname_sharing_a_part_is_a_candidate() -> None:
    result = score_candidate(QUERY, record(surname="Mackenzie-Brown"))
    assert result.decision == "candidate"
    assert "surname shares a part: Mackenzie/Mackenzie-Brown" in result.reasons


def test_changed_surname_matches_through_the_previous_surname() -> None:
    changed = record(surname="Brown", previous_surnames=("Mackenzie",))
    result = score_candidate(QUERY, changed)
    assert result.decision == "candidate"
    assert "previous surname matches: Mackenzie/Mackenzie (now Brown)" in result.reasons
    assert result.score > score_candidate(QUERY, record(surname="Brown")).score


def test_typo_in_one_part_of_the_birth_date_scores_between_exact_and_different() -> None:
    exact = score_candidate(QUERY, record()).score
    close = score_candidate(QUERY, record(birth_date=date(2015, 3, 13)))
    far = score_candidate(QUERY, record(birth_date=date(2011, 9, 30))).score
    assert "date of birth nearly matches (one part differs)" in close.reasons
    assert exact > close.score > far


def test_missing_fields_are_reported_and_neither_help_nor_hurt() -> None:
    no_postcode = score_candidate(QUERY, record(postcode=None))
    assert "postcode not recorded" in no_postcode.reasons
    differs = score_candidate(QUERY, record(postcode="AB10 1AA")).score
    matches = score_candidate(QUERY, record()).score
    assert differs < no_postcode.score < matches


def test_same_postcode_district_scores_between_match_and_differ() -> None:
    district = score_candidate(QUERY, record(postcode="EH6 8ZZ"))
    assert "postcode in the same district" in district.reasons
    assert (
        score_candidate(QUERY, record(postcode="AB10 1AA")).score
        < district.score
        < score_candidate(QUERY, record()).score
    )


def test_threshold_is_configurable() -> None:
    weak = record(forename="Katie", surname="McKenzie", postcode="G12 8QQ")
    assert score_candidate(QUERY, weak).decision == "candidate"
    assert score_candidate(QUERY, weak, MatchThresholds(candidate=40.0)).decision == "reject"


def test_lookup_surnames_lists_recorded_names_before_guessed_spellings_and_is_capped() -> None:
    from portal.record.match import lookup_surnames

    assert lookup_surnames("Mackenzie") == ["Mackenzie", "Mckenzie"]
    assert lookup_surnames("McKenzie") == ["McKenzie", "MacKenzie"]
    assert lookup_surnames("Reid-Morrison") == ["Reid-Morrison", "Reid Morrison", "Morrison", "Reid"]
    assert lookup_surnames("Gillespie", ["Mackenzie", "gillespie"]) == ["Gillespie", "Mackenzie", "Mckenzie"]
    assert lookup_surnames("Macey") == ["Macey"]  # too short to be a Mac prefix
    assert len(lookup_surnames("Reid-Morrison", ["Mackenzie-Brown"])) == 4
