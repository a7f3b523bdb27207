"""Access-policy integration: the portal wired to the real sandbox agencies, relationships set per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.sandbox import RunningSandbox, environment

BREAK_GLASS_REASON = "immediate_risk"
JUSTIFICATION = "Child presenting at school with injuries; allocated worker not reachable by phone."


@pytest.fixture
def access_app(app: Flask, sandbox: RunningSandbox) -> Iterator[Flask]:
    """The portal wired to the sandbox, with no relationships at all: each test records its own."""
    with environment(sandbox.env):
        yield app
        registry = app.extensions.get("registry")
        if registry is not None:
            registry.close()


def user_named(username: str):  # type: ignore[no-untyped-def]
    """The signed-in snapshot of an account (call inside an app context)."""
    from portal.data.users import list_users

    return next(u for u in list_users() if u.username == username)


def give_relationship(username: str, chi: str, *, starts: datetime, ends: datetime | None = None,
                      basis: str = "named_person") -> None:
    """Record a personal relationship through the data layer (call inside an app context)."""
    from portal.data.relationships import add_relationship
    from portal.extensions import db

    user = user_named(username)
    with db.session() as session:
        add_relationship(session, child_chi=chi, basis=basis, starts_at=starts, ends_at=ends, user_id=user.id)


def give_break_glass(username: str, chi: str, *, started: datetime, minutes: int = 60) -> None:
    """A break-glass grant started at `started` (in the past, it has already expired)."""
    from portal.data.access_lookup import begin_break_glass

    begin_break_glass(user_named(username), chi, BREAK_GLASS_REASON, JUSTIFICATION, started,
                      timedelta(minutes=minutes))


def _session_key(client: FlaskClient | None) -> str:
    if client is None:
        return ""
    with client.session_transaction() as session:
        return str(session.get("reference_key", ""))


def search_token(app: Flask, username: str, chi: str, purpose: str = "child_protection", *,
                 client: FlaskClient | None = None) -> str:
    """The opaque reference a CHI search would have issued this user for its results page, in `client`'s session."""
    from connectors.models import PersonQuery
    from portal.children.reference import SearchReference, encode_search

    with app.app_context():
        user_id = user_named(username).id
    reference = SearchReference(PersonQuery(chi=chi), purpose, True, user_id)
    return encode_search(reference, app.config["SECRET_KEY"], session_key=_session_key(client))


def child_token(app: Flask, username: str, chi: str, purpose: str = "child_protection", *,
                client: FlaskClient | None = None) -> str:
    """The opaque reference the search would have issued this user for this child, in `client`'s session.

    Links are bound to the session they were made in; without a signed-in `client` the link opens nowhere.
    """
    from portal.children.reference import ChildReference, encode_reference

    with app.app_context():
        user_id = user_named(username).id
    return encode_reference(ChildReference(chi=chi, purpose=purpose, user_id=user_id), app.config["SECRET_KEY"],
                            session_key=_session_key(client))


def identity_offer(app: Flask, username: str, token: str, agency: str, source_id: str, *,
                   client: FlaskClient) -> str:
    """The MAC the child's page at `token` would put beside an offered candidate (agency, source_id)."""
    from portal.children.offers import sign_offer

    with app.app_context():
        user_id = user_named(username).id
    return sign_offer(app.config["SECRET_KEY"], _session_key(client), user_id, token, agency, source_id)


def relationships_for(client: FlaskClient, chi: str = "", holder: str = ""):  # type: ignore[no-untyped-def]
    """The admin's relationships list filtered through its (POSTed) filter form; follows the redirect."""
    from tests.conftest import extract_csrf

    csrf = extract_csrf(client.get("/admin/relationships").get_data(as_text=True))
    return client.post("/admin/relationships/filter", data={"chi": chi, "holder": holder, "csrf_token": csrf},
                       follow_redirects=True)
