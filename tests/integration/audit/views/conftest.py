"""Fixtures for the audit trail end to end: portals on PostgreSQL or SQLite wired to the shared sandbox agencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from tests.support.sandbox import RunningSandbox, environment


def prepare_portal_database(settings_dir: Path, sandbox: RunningSandbox, **overrides: object) -> dict[str, str]:
    """Migrate both stores, create the test accounts and the demo relationships; the portal's environment.

    `overrides` are Settings values (e.g. DATABASE_URL). The returned mapping is what a portal
    process needs in its environment to serve the same databases and reach the sandbox.
    """
    from portal.demo import seed_demo_relationships
    from tests.conftest import build_app, dispose_engines, make_settings

    settings = make_settings(settings_dir, **overrides)
    app = build_app(settings)
    with environment(sandbox.env), app.app_context():
        seed_demo_relationships(sandbox.cohort, settings_dir, today=date.today())
    dispose_engines()
    env = {
        "PORTAL_ENV": "test",
        "DATABASE_URL": settings.DATABASE_URL,
        "AUDIT_DATABASE_URL": settings.audit_database_url,
        "SECRET_KEY": str(settings.SECRET_KEY),
        "AUDIT_HMAC_KEY": str(settings.AUDIT_HMAC_KEY),
        "INSTANCE_PATH": str(settings.INSTANCE_PATH),
        "FEDERATION_DEADLINE_S": str(settings.FEDERATION_DEADLINE_S),
        **sandbox.env,
    }
    return env


@pytest.fixture
def wired_app(sandbox: RunningSandbox) -> Iterator[Callable[..., Flask]]:
    """`wired_app(settings_dir, **overrides)`: an in-process portal on databases that
    `prepare_portal_database` made ready, with the sandbox's connector environment set."""
    from portal import create_app
    from tests.conftest import dispose_engines, make_settings

    apps: list[Flask] = []

    def _build(settings_dir: Path, **overrides: object) -> Flask:
        app = create_app(make_settings(settings_dir, **overrides))
        apps.append(app)
        return app

    with environment(sandbox.env):
        yield _build
        for app in apps:
            registry = app.extensions.get("registry")
            if registry is not None:
                registry.close()
    dispose_engines()
