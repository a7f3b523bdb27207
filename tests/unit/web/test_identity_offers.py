"""The MAC beside each offered candidate holds only for the pair, child link, user and session it was made for."""

from __future__ import annotations

from portal.children.offers import is_offered, sign_offer

MADE = {"secret_key": "s" * 32, "session_key": "session-1", "user_id": 7, "child_token": "gAAAA-child-link",
        "agency": "police", "source_id": "PS-000042"}


def test_the_offer_holds_for_what_it_was_made_for() -> None:
    assert is_offered(**MADE, offer=sign_offer(**MADE))  # type: ignore[arg-type]


def test_the_offer_fails_when_anything_it_binds_differs() -> None:
    offer = sign_offer(**MADE)  # type: ignore[arg-type]
    changes = {"secret_key": "t" * 32, "session_key": "session-2", "user_id": 8, "child_token": "gAAAA-other",
               "agency": "health", "source_id": "PS-000043"}
    held = {name: is_offered(**{**MADE, name: value}, offer=offer) for name, value in changes.items()}  # type: ignore[arg-type]
    assert held == dict.fromkeys(changes, False)


def test_ids_cannot_be_shifted_between_fields() -> None:
    offer = sign_offer(**MADE)  # type: ignore[arg-type]
    shifted = {**MADE, "agency": "police\"", "source_id": "PS-000042"}
    assert not is_offered(**shifted, offer=offer)  # type: ignore[arg-type]
    assert not is_offered(**MADE, offer=offer + "0")  # type: ignore[arg-type]
    assert not is_offered(**MADE, offer="")  # type: ignore[arg-type]
