"""The service navigation: each area lists its entry point and the roles that see it."""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

ALL_SIGNED_IN = ("practitioner", "lead_professional", "ig_officer", "admin")

# (endpoint, label, roles). Entries whose endpoint is not registered are skipped.
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("main.home", "Home", ALL_SIGNED_IN),
    ("children.search", "Find a child", ("practitioner", "lead_professional")),
    ("ig.search", "Audit trail", ("ig_officer",)),
    ("ig.break_glass_queue", "Break-glass reviews", ("ig_officer",)),
    ("ig.dashboard", "Charts and flags", ("ig_officer",)),
    ("transparency.flows", "Transparency", ("ig_officer",)),
    ("admin.relationships", "Relationships", ("admin",)),
    ("identities.list_sso_identities", "Single sign-on", ("admin",)),
    ("ig.sessions", "Sessions", ("ig_officer",)),
    ("admin.accounts", "Accounts", ("admin",)),
)


def nav_items() -> list[tuple[str, str, tuple[str, ...]]]:
    if not current_user.is_authenticated:
        return []
    return [
        item for item in NAV if current_user.role in item[2] and item[0] in current_app.view_functions
    ]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
