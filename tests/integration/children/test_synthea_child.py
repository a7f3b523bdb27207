"""Real-world FHIR R4 that nobody here wrote: a Synthea child loaded with a CHI, seen through the portal."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from portal.demo import SYNTHEA_CHIS, SYNTHEA_DIR
from tests.integration.children.conftest import open_child

pytestmark = pytest.mark.skipif(not SYNTHEA_DIR.is_dir(), reason="shared Synthea fixtures not beside the repo")


def _bundle_counts(path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts: dict[str, int] = {}
    for entry in json.loads(path.read_text())["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_synthea_child_shows_encounters_conditions_immunisations_and_allergies(  # type: ignore[no-untyped-def]
    child_app, client, sign_in, sandbox
) -> None:
    from sandbox.fhir_loader import load_bundle

    bundle = next(SYNTHEA_DIR.glob("Daisey_Johns_*.json"))
    chi = SYNTHEA_CHIS["Daisey_Johns"]
    load_bundle(sandbox.data_dir, bundle, chi)
    counts = _bundle_counts(bundle)
    assert counts["Encounter"] and counts["Immunization"] and counts["Condition"]

    sign_in("health.visitor")
    _, html = open_child(client, chi, purpose="health_care")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("[data-testid=child-name]").get_text(strip=True).startswith("Daisey")
    assert soup.select_one("[data-testid=data-flows] tr[data-agency=health]")["data-state"] == "answered"
    immunisations = soup.select_one("[data-field=immunisations] dd").get_text(" ", strip=True)
    assert f"{counts['Immunization']} recorded" in immunisations
    assert "NHS Glenmorven" in immunisations
    allergies = soup.select_one("[data-field=allergies] dd").get_text(" ", strip=True)
    assert allergies and "did not respond" not in allergies
    conditions = soup.select_one("[data-field=conditions] dd").get_text(" ", strip=True)
    assert "none recorded" not in conditions
    # Routine encounters are in the full chronology, not the significant-only default.
    full = BeautifulSoup(client.get(soup.select_one("[data-testid=chronology-filters]")["action"].split("#")[0],
                                    query_string={"show": "all", "agency": "health"}).get_data(as_text=True),
                         "html.parser")
    count_text = full.select_one("[data-testid=chronology-count]").get_text(" ", strip=True)
    assert "events match" in count_text
    matching = int(full.select_one("[data-testid=matching-count]").get_text(strip=True).replace(",", ""))
    assert matching >= counts["Encounter"]
