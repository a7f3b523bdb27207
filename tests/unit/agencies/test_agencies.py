"""Agencies come from the connectors file, domains own the vocabularies (connectors.agencies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.agencies import DOMAINS, AgencyDirectory, agencies_from_config, agencies_from_document, read_agencies
from connectors.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def education(**extra: object) -> dict[str, object]:
    return {"display_name": "Strathbrae education", "source_system": "Pupil records", **extra}


def test_the_project_connectors_file_configures_the_five_demo_agencies_each_its_own_domain() -> None:
    directory = read_agencies(PROJECT_ROOT / "config" / "connectors.toml")
    assert directory.keys == ("health", "social_work", "education", "police", "scra")
    assert all(agency.domain == agency.key for agency in directory)
    assert directory.name("police") == "Police Scotland"


def test_the_app_reads_the_same_agencies_from_the_typed_config() -> None:
    from connectors.registry import read_config

    path = PROJECT_ROOT / "config" / "connectors.toml"
    assert agencies_from_config(read_config(path, {}).agencies) == read_agencies(path)


def test_several_agencies_share_a_domain_and_its_vocabulary() -> None:
    directory = agencies_from_document({"agencies": {
        "education": education(display_name="Education"),
        "education_north": education(domain="education", organisation="Strathbrae Council",
                                     categories=["pastoral_notes", "enrolment"]),
    }})
    north = directory.get("education_north")
    assert north is not None and north.domain == "education" and north.organisation == "Strathbrae Council"
    assert north.categories == ("enrolment", "pastoral_notes")  # in the domain's order
    assert directory.get("education").categories == tuple(DOMAINS["education"].categories)  # type: ignore[union-attr]
    assert directory.category_words("education_north", "pastoral_notes") == "Significant pastoral notes"
    assert directory.domains() == {"education": "education", "education_north": "education"}
    assert "education_north" in directory and "fire" not in directory


def test_an_unconfigured_key_has_no_vocabulary_and_a_readable_name() -> None:
    directory = AgencyDirectory()
    assert directory.name("third_sector") == "Third sector"
    assert directory.category_words("third_sector", "x") == "x"


@pytest.mark.parametrize(("table", "message"), [
    (education(domain="fire"), "agencies.education_north.domain: 'fire' has no category vocabulary"),
    (education(domain="education", categories=["horoscopes"]),
     "agencies.education_north.categories: not education categories: horoscopes"),
    (education(domain="education", categories=[]), "agencies.education_north.categories must not be empty"),
    ({"source_system": "x", "domain": "education"}, "agencies.education_north: 'display_name' is required"),
    (education(domain="education", enabled="yes"), "agencies.education_north.enabled must be true or false"),
])
def test_a_bad_agency_table_is_refused_naming_table_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        agencies_from_document({"agencies": {"education_north": table}})
    assert message in str(error.value)


def test_a_file_without_agencies_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text("[defaults]\nconnect_timeout = 1.0\n")
    with pytest.raises(ConfigurationError) as error:
        read_agencies(path)
    assert str(path) in str(error.value) and "[agencies.<key>]" in str(error.value)


def test_the_directory_refuses_a_bad_agency_table_in_the_words_of_the_start_up_check() -> None:
    """One set of rules: every problem the directory names is the typed config's own sentence, all at once."""
    from connectors.registry import validate_document

    document = {"agencies": {
        "education": education(kind="rest", categories=[]),
        "education_north": education(kind="rest", domain="education", display_name=" ", enabled="yes"),
    }}
    with pytest.raises(ConfigurationError) as directory_error:
        agencies_from_document(document)
    with pytest.raises(ConfigurationError) as start_up_error:
        validate_document(document, {})
    directory_lines = directory_error.value.reason.splitlines()
    assert directory_lines == [
        "agencies.education.categories must not be empty",
        "agencies.education_north.display_name must not be empty",
        "agencies.education_north.enabled must be true or false",
    ]
    assert set(directory_lines) <= set(start_up_error.value.reason.splitlines())


def test_the_directory_reads_agency_keys_alone_ignoring_the_connector_keys() -> None:
    """Scripts and agreement tests have no credentials or URLs: the directory needs none."""
    directory = agencies_from_document({"agencies": {
        "education": education(kind="rest", base_url="http://127.0.0.1:1", read_timeout=1.0),
    }})
    assert directory.keys == ("education",) and directory.name("education") == "Strathbrae education"
