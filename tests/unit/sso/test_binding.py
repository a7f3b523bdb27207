"""Identity binding: the first verified sign-in links an account to (issuer, subject); afterwards only that pair."""

from __future__ import annotations

import pytest
from flask import Flask
from pydantic import ValidationError

from portal.auth.claims import claimed_access
from portal.config import OidcProvider
from portal.data.sso import apply_claimed_access, resolve_identity
from portal.data.users import list_users
from tests.conftest import make_settings

COUNCIL = "https://login.council.example"
PARTNER = "https://login.nhs-board.example"
HV_EMAIL = "health.visitor@glenmorven.example"


def test_an_unverified_email_binds_nothing(app: Flask) -> None:
    with app.app_context():
        assert resolve_identity(COUNCIL, "s-1", HV_EMAIL, False, []).problem == "unverified"
        # ... so a later verified sign-in by someone else is still the first, and binds.
        assert resolve_identity(COUNCIL, "s-2", HV_EMAIL, True, []).newly_bound


def test_the_first_verified_sign_in_binds_and_only_that_pair_signs_in_afterwards(app: Flask) -> None:
    with app.app_context():
        first = resolve_identity(COUNCIL, "s-1", HV_EMAIL, True, [])
        assert first.user is not None and first.user.username == "health.visitor" and first.newly_bound
        again = resolve_identity(COUNCIL, "s-1", "renamed@glenmorven.example", False, [])
        assert again.user is not None and again.user.username == "health.visitor" and not again.newly_bound
        assert resolve_identity(COUNCIL, "s-2", HV_EMAIL, True, []).problem == "subject_conflict"
        assert resolve_identity(PARTNER, "s-1", HV_EMAIL, True, []).problem == "subject_conflict"


def test_a_provider_may_only_vouch_for_its_own_domains(app: Flask) -> None:
    with app.app_context():
        assert resolve_identity(PARTNER, "p-1", HV_EMAIL, True, ["nhs-board.example"]).problem == "domain"
        assert resolve_identity(COUNCIL, "c-1", HV_EMAIL, True, ["Glenmorven.example"]).user is not None


def test_an_email_without_an_account_gets_nothing(app: Flask) -> None:
    with app.app_context():
        assert resolve_identity(COUNCIL, "x-1", "stranger@glenmorven.example", True, []).problem == "no_account"


def test_claims_that_grant_nothing_switch_the_account_off_and_a_grant_brings_it_back(app: Flask) -> None:
    provider = OidcProvider.model_validate({
        "key": "board", "name": "Board", "issuer": PARTNER, "client_id": "c", "client_secret": "s", "claim": "groups",
        "claim_rules": [
            {"value": "scv-leads", "role": "lead_professional", "agency": "health", "organisation": "NHS Board",
             "team": "Leads"},
            {"value": "scv-staff", "role": "practitioner", "agency": "health", "organisation": "NHS Board",
             "team": "Staff"},
        ]})
    assert claimed_access(provider, ["scv-staff", "scv-leads"])[0] == "lead_professional"  # first rule wins
    assert claimed_access(provider, "other scv-staff")[0] == "practitioner"
    assert claimed_access(provider, ["other"]) is None
    with app.app_context():
        user = next(u for u in list_users() if u.username == "health.visitor")
        assert apply_claimed_access(user.id, None, None) == "revoked"
        assert resolve_identity(COUNCIL, "s-1", HV_EMAIL, True, []).problem == "no_account"  # inactive: no binding
        role, organisation = claimed_access(provider, ["scv-leads"])  # type: ignore[misc]
        assert apply_claimed_access(user.id, role, organisation) == "changed"
        changed = next(u for u in list_users() if u.username == "health.visitor")
        assert (changed.role, changed.organisation, changed.team) == ("lead_professional", "NHS Board", "Leads")


def test_several_providers_are_typed_settings_and_keys_are_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, OIDC_PROVIDERS=[{"key": "board", "name": "NHS Board", "issuer": PARTNER,
                                                        "client_id": "c", "client_secret": "s",
                                                        "allowed_domains": ["nhs-board.example"]}],
                             OIDC_ISSUER=COUNCIL, OIDC_CLIENT_ID="council-client", OIDC_CLIENT_SECRET="x")
    assert [p.key for p in settings.oidc_providers] == ["sso", "board"]
    with pytest.raises(ValidationError):
        make_settings(tmp_path, OIDC_PROVIDERS=[{"key": "Not A Slug", "name": "n", "issuer": PARTNER,
                                                 "client_id": "c", "client_secret": "s"}])


def test_a_logout_token_id_is_accepted_once(app: Flask) -> None:
    from portal.data.sso import remember_logout_token

    with app.app_context():
        assert remember_logout_token(COUNCIL, "jti-1") is True
        assert remember_logout_token(COUNCIL, "jti-1") is False  # a replay
        assert remember_logout_token(PARTNER, "jti-1") is True  # another issuer's ids are its own


def test_back_channel_logout_ends_the_sessions_a_token_names(app: Flask) -> None:
    from portal.data.sso import end_sso_sessions, open_sso_session, sso_session_state

    with app.app_context():
        user = next(u for u in list_users() if u.username == "health.visitor")
        laptop = open_sso_session(user.id, "sso", COUNCIL, "s-1", "sid-laptop", "id-token")
        phone = open_sso_session(user.id, "sso", COUNCIL, "s-1", "sid-phone", "id-token")
        ended = end_sso_sessions(COUNCIL, "sid-laptop", None, "back-channel logout")
        assert [e.session_key for e in ended] == [laptop]
        assert sso_session_state(laptop)[0] is False and sso_session_state(phone)[0] is True
        assert end_sso_sessions(PARTNER, None, "s-1", "back-channel logout") == []  # same subject, other issuer
        assert [e.session_key for e in end_sso_sessions(COUNCIL, None, "s-1", "back-channel logout")] == [phone]
