"""The typed connectors config: the reference page matches the models, and mistakes are named, not guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigurationError
from connectors.kinds import built_in_kinds
from connectors.reference import markdown, undocumented
from connectors.registry import read_config

ROOT = Path(__file__).resolve().parents[3]
DEMO_CONFIG = ROOT / "config" / "connectors.toml"
DOCS_PAGE = ROOT / "docs" / "connectors.md"


def test_the_reference_page_is_what_the_models_generate() -> None:
    # Regenerate with: .venv/bin/flask portal connectors schema > docs/connectors.md
    assert DOCS_PAGE.read_text(encoding="utf-8") == markdown(built_in_kinds()), \
        "docs/connectors.md is out of date: regenerate it with `flask portal connectors schema`"


def test_every_key_has_a_description() -> None:
    assert undocumented(built_in_kinds()) == []


def test_every_key_the_demo_file_uses_is_in_the_reference() -> None:
    import tomllib

    page = DOCS_PAGE.read_text(encoding="utf-8")
    keys: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                keys.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    document = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    for table in document["agencies"].values():
        walk({k: v for k, v in table.items() if k not in ("categories",)})
    walk(document["defaults"])
    nested_names = {"chi", "scn", "surname", "forename", "dob", "postcode", "birth_date", "sex"}  # values of maps
    missing = sorted(k for k in keys - nested_names if f"`{k}`" not in page)
    assert missing == []


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "connectors.toml"
    path.write_text(text, encoding="utf-8")
    return path


SQL_AGENCY = """
[agencies.social_work]
kind = "sql"
display_name = "Social work"
source_system = "Case system"
url = "sqlite:///x.db"
[agencies.social_work.people]
by_chi = "SELECT * FROM people WHERE chi = :chi"
by_demographics = "SELECT * FROM people WHERE surname = :surname"
[[agencies.social_work.queries]]
name = "first"
categories = ["sw_events"]
sql = "SELECT 1"
[[agencies.social_work.queries]]
name = "second"
categories = ["sw_events"]
sql = "SELECT 1"
[[agencies.social_work.queries]]
name = "referrals"
categories = ["sw_events"]
sql = "SELECT * FROM referrals WHERE person_id = :person_id"
  [agencies.social_work.queries.event]
  date = "referral_date"
  title = "Referral"
"""


def test_the_old_implicit_literal_or_field_is_refused_with_the_explicit_form(tmp_path: Path) -> None:
    path = _file(tmp_path, SQL_AGENCY + 'significant = true\naction = "outcome"\n')
    with pytest.raises(ConfigurationError) as caught:
        read_config(path, {})
    lines = caught.value.reason.splitlines()
    assert f"{path}: agencies.social_work.queries[2].event.significant must be a table" in lines[1]
    assert "{ value = true }" in lines[1]
    assert f"{path}: agencies.social_work.queries[2].event.action must be a table" in lines[0]
    assert '{ field = "outcome" }' in lines[0]


def test_the_explicit_forms_are_read_as_written(tmp_path: Path) -> None:
    path = _file(tmp_path, SQL_AGENCY + 'significant = { value = false }\naction = { field = "outcome" }\n'
                 'impact = { template = "Impact: {impact}" }\nauthor_role = { value = "Social worker" }\n')
    event = read_config(path, {}).agencies["social_work"].queries[2].event  # type: ignore[attr-defined]
    assert (event.significant.value, event.action.field) == (False, "outcome")
    assert (event.impact.template, event.author_role.value) == ("Impact: {impact}", "Social worker")


@pytest.mark.parametrize(("extra", "problem"), [
    ('titel = "x"\n', "agencies.social_work.queries[2].event: 'titel' is not a known key"),
    ('date_certainty = "{certainty}"\n', "agencies.social_work.queries[2].event.date_certainty must be a field path"),
    ('summary = "Referral from {source"\n', "agencies.social_work.queries[2].event.summary: has unbalanced braces"),
    ('shanarri = { value = ["safe", "happy"] }\n', "not SHANARRI indicators: happy"),
])
def test_each_mistake_names_file_table_and_key(tmp_path: Path, extra: str, problem: str) -> None:
    path = _file(tmp_path, SQL_AGENCY + extra)
    with pytest.raises(ConfigurationError) as caught:
        read_config(path, {})
    assert caught.value.reason.startswith(f"{path}: ")
    assert problem in caught.value.reason


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    text = SQL_AGENCY.replace('url = "sqlite:///x.db"', 'url = "sqlite:///x.db"\nstatement_timeout = 0') \
        .replace('sql = "SELECT 1"', 'sql = "DELETE FROM people"', 1)
    with pytest.raises(ConfigurationError) as caught:
        read_config(_file(tmp_path, text), {})
    reason = caught.value.reason
    assert "agencies.social_work.statement_timeout must be a positive number of seconds" in reason
    assert "agencies.social_work.queries[0].sql must be a single SELECT statement" in reason
    assert len(reason.splitlines()) == 2
