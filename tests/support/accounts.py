"""Accounts for tests: the same shape as the demo accounts, with a test password."""

from __future__ import annotations

from portal.data.users import get_or_create_organisation, upsert_user
from portal.demo import DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN

TEST_PASSWORD = "correct horse battery staple"


def create_accounts(password: str = TEST_PASSWORD) -> dict[str, int]:
    """Every demo-shaped account, for an app in test mode (where the demo seed refuses to run)."""
    ids = {}
    for username, display_name, role, (agency, organisation, team) in DEMO_ACCOUNTS:
        org_id = get_or_create_organisation(agency, organisation, team)
        ids[username] = upsert_user(
            username, display_name, role, org_id, password, email=f"{username}@{DEMO_EMAIL_DOMAIN}"
        )
    return ids
