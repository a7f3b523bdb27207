"""Each hard case exists, is tagged, and really has the property its tag names."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta

from sandbox.stores.records import get, query

Tagged = Callable[[str], list[dict]]
IDENTITY_COLLECTIONS = {"Patient", "pupils", "subjects", "children"}


def _patient(stores: dict, child: dict) -> dict:
    return get(stores["health"], "Patient", child["ids"]["health"])


def _sw_rows(stores: dict, table: str, child: dict) -> list[sqlite3.Row]:
    return stores["socialwork"].execute(f"SELECT * FROM {table} WHERE person_id = ?",
                                        (child["ids"]["social_work"],)).fetchall()


def _labels(stores: dict, child: dict) -> set[str]:
    """Every security label on the child's records in every store (sealed included)."""
    labels: set[str] = set()
    for agency in ("health", "education", "police", "scra"):
        if agency not in child["ids"]:
            continue
        for (body,) in stores[agency].execute("SELECT json FROM records WHERE subject_id = ?",
                                              (child["ids"][agency],)):
            item = json.loads(body)
            labels.add(item["meta"]["security"][0]["code"] if "resourceType" in item else item["security_label"])
    if "social_work" in child["ids"]:
        for table in ("referrals", "significant_events", "case_notes", "contacts"):
            labels |= {row["security_label"] for row in _sw_rows(stores, table, child)}
    return labels


def test_twins_share_birth_surname_and_address_but_not_chi(tagged: Tagged, stores: dict) -> None:
    twins = tagged("twins")
    assert len(twins) == 2
    first, second = twins
    assert first["birth_date"] == second["birth_date"]
    assert first["surname"] == second["surname"] and first["postcode"] == second["postcode"]
    assert first["chi"] != second["chi"] and first["forename"] != second["forename"]
    addresses = [_patient(stores, twin)["address"][0]["line"] for twin in twins]
    assert addresses[0] == addresses[1]


def test_namesakes_share_name_and_birth_date_but_live_apart(tagged: Tagged) -> None:
    first, second = tagged("namesake")
    assert (first["forename"], first["surname"], first["birth_date"]) == (
        second["forename"], second["surname"], second["birth_date"])
    assert first["chi"] != second["chi"]
    assert first["postcode"] != second["postcode"]


def test_name_variants_are_spelt_differently_across_agencies(tagged: Tagged, stores: dict) -> None:
    variants = tagged("name_variant")
    seen: set[tuple[str, str]] = set()
    for child in variants:
        for agency, collection in (("education", "pupils"), ("police", "subjects")):
            if agency in child["ids"]:
                record = get(stores[agency], collection, child["ids"][agency])
                seen.add((child["forename"], record["forename"]))
                seen.add((child["surname"], record["surname"]))
    assert ("Mackenzie", "McKenzie") in seen
    assert ("Katie", "Kate") in seen
    assert ("Reid-Morrison", "Reid Morrison") in seen
    changed = [c for c in variants if "social_work" in c["ids"]]
    assert changed, "a child with a change of surname is known to social work"
    person = _sw_rows(stores, "people", changed[0])[0]
    assert person["previous_surname"] and person["previous_surname"] != person["surname"]
    police = get(stores["police"], "subjects", changed[0]["ids"]["police"])
    assert police["surname"] == person["previous_surname"]  # the older record keeps the old name


def test_no_chi_police_children_have_police_records_without_chi(tagged: Tagged, stores: dict,
                                                                manifest: list[dict]) -> None:
    no_chi = tagged("no_chi_police")
    assert no_chi
    for child in no_chi:
        subject = get(stores["police"], "subjects", child["ids"]["police"])
        assert subject["chi"] is None
        assert subject["dob"] == child["birth_date"]  # still findable by demographics
    with_chi = [c for c in manifest if "police" in c["ids"] and c not in no_chi]
    assert with_chi, "some police subjects do carry a CHI"
    for child in with_chi:
        assert get(stores["police"], "subjects", child["ids"]["police"])["chi"] == child["chi"]


def test_no_chi_education_children_have_pupil_records_without_chi(tagged: Tagged, stores: dict) -> None:
    no_chi = tagged("no_chi_education")
    assert no_chi
    for child in no_chi:
        pupil = get(stores["education"], "pupils", child["ids"]["education"])
        assert pupil["chi"] is None and pupil["scn"]


def test_child_who_moved_council_has_an_older_postcode_elsewhere(tagged: Tagged, stores: dict) -> None:
    moved = tagged("moved_council")
    assert moved
    for child in moved:
        patient = _patient(stores, child)
        old = [a for a in patient["address"] if a.get("use") == "old"]
        assert old and old[0]["postalCode"] != child["postcode"] and old[0]["period"]["end"]
        police = get(stores["police"], "subjects", child["ids"]["police"])
        assert police["postcode"] == old[0]["postalCode"]


def test_restricted_and_very_restricted_children_have_such_items(tagged: Tagged, stores: dict,
                                                                manifest: list[dict]) -> None:
    for child in tagged("restricted"):
        assert "R" in _labels(stores, child)
    very = tagged("very_restricted")
    assert very
    for child in very:
        assert "V" in _labels(stores, child)
    orders = query(stores["scra"], "orders", very[0]["ids"]["scra"])
    assert any(order["non_disclosure_of_address"] and order["security_label"] == "V" for order in orders)
    ordinary = [c for c in manifest if not {"restricted", "very_restricted"} & set(c["tags"])]
    assert all(_labels(stores, child) <= {"N"} for child in ordinary[:40])


def test_sealed_items_exist_but_are_hidden_from_queries(tagged: Tagged, stores: dict) -> None:
    (child,) = tagged("sealed")
    sealed_events = [r for r in _sw_rows(stores, "significant_events", child) if r["sealed"]]
    assert sealed_events
    pupil_id = child["ids"]["education"]
    every_note = query(stores["education"], "notes", pupil_id, include_sealed=True)
    served = query(stores["education"], "notes", pupil_id)
    assert len(served) == len(every_note) - 1


def test_third_party_information_about_a_parent_is_restricted(tagged: Tagged, stores: dict) -> None:
    children = tagged("third_party")
    assert children
    for child in children:
        texts = [row["summary"] for row in _sw_rows(stores, "case_notes", child) if row["security_label"] == "R"]
        if "police" in child["ids"]:
            texts += [c["summary"] for c in query(stores["police"], "concerns", child["ids"]["police"])
                      if c["security_label"] != "N"]
        assert any("third party" in text for text in texts)


def test_large_child_has_at_least_5000_events_across_agencies(tagged: Tagged, stores: dict) -> None:
    (child,) = tagged("large")
    total = 0
    for agency in ("health", "education", "police", "scra"):
        rows = stores[agency].execute("SELECT collection, COUNT(*) FROM records WHERE subject_id = ? "
                                      "GROUP BY collection", (child["ids"][agency],))
        total += sum(n for collection, n in rows if collection not in IDENTITY_COLLECTIONS)
    for table in ("significant_events", "case_notes", "referrals"):
        total += len(_sw_rows(stores, table, child))
    assert total >= 5000
    assert len(query(stores["education"], "attendance", child["ids"]["education"])) > 300  # years of weeks


def test_story_children_are_known_to_several_agencies(tagged: Tagged) -> None:
    story = tagged("multi_agency")
    assert 12 <= len(story) <= 20
    for child in story:
        assert len(child["ids"]) >= 3, child["tags"]


def test_domestic_abuse_story_unfolds_in_order_across_agencies(tagged: Tagged, stores: dict) -> None:
    told = 0
    for child in tagged("multi_agency"):
        if "police" not in child["ids"]:
            continue
        concerns = [c for c in query(stores["police"], "concerns", child["ids"]["police"])
                    if c["incident_type"] == "Domestic abuse"]
        if not concerns:
            continue
        incident = concerns[0]["incident_date"]
        week_after = (date.fromisoformat(incident) + timedelta(days=7)).isoformat()
        ae = [e for e in query(stores["health"], "Encounter", child["ids"]["health"], date_from=incident,
                               date_to=week_after) if e["class"]["code"] == "EMER"]
        assert any(e["period"]["start"][:10] > incident for e in ae)
        referrals = _sw_rows(stores, "referrals", child)
        assert any(r["source"] == "Police Scotland" and r["referral_date"] > incident for r in referrals)
        registrations = stores["socialwork"].execute(
            "SELECT r.cppm_date, c.area_of_concern FROM cp_registrations r JOIN cp_concerns c "
            "USING (registration_id) WHERE r.person_id = ?", (child["ids"]["social_work"],)).fetchall()
        assert any(row["area_of_concern"] == "Domestic abuse" and row["cppm_date"] > incident
                   for row in registrations)
        scra = query(stores["scra"], "referrals", child["ids"]["scra"])
        assert any("domestic abuse" in " ".join(r["grounds"]) for r in scra)
        positive = [e for e in _sw_rows(stores, "significant_events", child) if e["impact"] == "positive"]
        assert positive and all(e["event_date"] > incident for e in positive)
        told += 1
    assert told >= 4


def test_a_nopat_child_has_a_health_item_marked_not_for_the_family(tagged: Tagged, stores: dict) -> None:
    (child,) = tagged("nopat")
    marked = [json.loads(body) for (body,) in stores["health"].execute(
        "SELECT json FROM records WHERE subject_id = ?", (child["ids"]["health"],))]
    act_code = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    nopat = [r for r in marked if any(s["system"] == act_code and s["code"] == "NOPAT" for s in r["meta"]["security"])]
    assert [r["resourceType"] for r in nopat] == ["Condition"]
    assert marked and all(r["meta"]["security"][0]["code"] in ("N", "R", "V") for r in marked)


def test_third_party_markers_name_the_people_and_their_roles(tagged: Tagged, stores: dict) -> None:
    (child,) = [c for c in tagged("third_party") if "nopat" in c["tags"]]
    police = [c for c in query(stores["police"], "concerns", child["ids"]["police"]) if c["third_party"]]
    assert [p["role"] for c in police for p in c["third_parties"]] == ["Mother's former partner"]
    partner = police[0]["third_parties"][0]["name"]
    assert partner in police[0]["summary"] and police[0]["security_label"] == "R"
    events = _sw_rows(stores, "significant_events", child)
    named = {row["title"]: (row["third_party"], json.loads(row["third_parties"])) for row in events
             if row["third_parties"]}
    sibling_flag, sibling = named["Information about a sibling"]
    assert sibling_flag == 1 and sibling[0]["role"] == "Sibling"
    assert sibling[0]["name"].split()[0] in [c["forename"] for c in tagged("multi_agency")
                                             if c["postcode"] == child["postcode"] and c is not child]
    plan_flag, plan = named["Safety planning with mother"]
    assert plan_flag == 0 and plan == [{"name": partner, "role": "Mother's former partner"}]
