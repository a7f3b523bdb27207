"""The authorisation matrix: every route × every role × relationship state, against the real sandbox agencies.

A route registered without a row here fails `test_every_registered_endpoint_has_a_matrix_row`,
so nobody can add a page that skips this check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import extract_csrf
from tests.integration.access.conftest import (
    BREAK_GLASS_REASON,
    JUSTIFICATION,
    child_token,
    give_break_glass,
    give_relationship,
    identity_offer,
    search_token,
)

PRACTITIONERS = ("lead.professional", "health.visitor", "teacher", "police.concern")
ACCOUNTS = (*PRACTITIONERS, "ig.officer", "admin")
STATES = ("present", "absent", "expired", "break_glass_active", "break_glass_expired")
OPENING_STATES = ("present", "break_glass_active")

# endpoint -> (method, path after /children/<token>, or an absolute path for the search routes)
CHILD_ROUTES: dict[str, tuple[str, str]] = {
    "children.search": ("GET", "/children/search"),
    "children.search_results": ("POST", "/children/search"),
    "children.results": ("GET", "/children/results/{search}"),
    "children.show_child": ("GET", ""),
    "children.child_content": ("GET", "/content"),
    "children.stream_child": ("GET", "/stream"),
    "children.chronology": ("GET", "/chronology"),
    "children.filter_chronology": ("POST", "/content"),  # the filter's words POSTed, then 303 to an opaque address
    "children.print_child": ("GET", "/print"),
    "children.timeline": ("GET", "/timeline"),  # the whole timeline, drawn on request
    "children.decide_identity": ("POST", "/identity"),
    "meetings.new_meeting": ("GET", "/meetings/new/{token}"),
    "meetings.create_meeting": ("POST", "/meetings/new/{token}"),  # an empty form: 400 once past access
    "children.change_purpose": ("POST", "/purpose"),
    "children.break_glass": ("POST", "/break-glass"),  # last but one: it may start a grant
    "children.end_break_glass": ("POST", "/break-glass/end"),  # last: it ends any grant
}

ALL_SIGNED_IN = ACCOUNTS
IG = ("ig.officer",)
ADMIN = ("admin",)
NO_MEETING = "/meetings/no-such-meeting"  # practitioners get past the gate to a 404; a meeting is only its chair's
# endpoint -> (method, path, accounts allowed past the role gate). sign_out comes last: it ends the session.
OTHER_ROUTES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "main.home": ("GET", "/", ALL_SIGNED_IN),
    "ig.dashboard": ("GET", "/ig/dashboard", IG),
    "ig.search": ("GET", "/ig/audit", IG),
    "ig.search_form": ("POST", "/ig/audit", IG),
    "ig.entry_detail": ("GET", "/ig/audit/1", IG),
    "ig.break_glass_queue": ("GET", "/ig/break-glass", IG),
    "ig.break_glass_item": ("GET", "/ig/break-glass/1", IG),
    "ig.review_break_glass": ("POST", "/ig/break-glass/1/review", IG),
    "ig.exports": ("GET", "/ig/exports", IG),
    "ig.download_export": ("POST", "/ig/exports/download", IG),
    "ig.who_viewed": ("GET", "/ig/who-viewed", IG),
    "ig.who_viewed_report": ("POST", "/ig/who-viewed", IG),
    "ig.who_viewed_csv": ("POST", "/ig/who-viewed.csv", IG),
    "transparency.flows": ("GET", "/transparency/", IG),
    "transparency.governance": ("GET", "/transparency/governance", IG),
    "transparency.review_publication": ("GET", "/transparency/publish", IG),
    "transparency.publish": ("POST", "/transparency/publish", IG),
    "admin.relationships": ("GET", "/admin/relationships", ADMIN),
    "admin.add_relationship": ("POST", "/admin/relationships", ADMIN),
    "admin.end_relationship": ("POST", "/admin/relationships/999999/end", ADMIN),
    "admin.import_relationships": ("POST", "/admin/relationships/import", ADMIN),
    "admin.filter_relationships": ("POST", "/admin/relationships/filter", ADMIN),
    "admin.accept_suggestion": ("POST", "/admin/relationships/suggestions", ADMIN),
    "meetings.present": ("GET", NO_MEETING, PRACTITIONERS),
    "meetings.prepare": ("GET", f"{NO_MEETING}/prepare", PRACTITIONERS),
    "meetings.save_selection": ("POST", f"{NO_MEETING}/prepare", PRACTITIONERS),
    "meetings.start": ("POST", f"{NO_MEETING}/start", PRACTITIONERS),
    "meetings.change_presence": ("POST", f"{NO_MEETING}/presence", PRACTITIONERS),
    "meetings.extend": ("POST", f"{NO_MEETING}/extend", PRACTITIONERS),
    "meetings.withheld": ("GET", f"{NO_MEETING}/withheld", PRACTITIONERS),
    "meetings.reveal": ("POST", f"{NO_MEETING}/reveal", PRACTITIONERS),
    "meetings.end": ("POST", f"{NO_MEETING}/end", PRACTITIONERS),
    "meetings.timed_out": ("GET", f"{NO_MEETING}/timed-out", PRACTITIONERS),
    "meetings.minutes": ("GET", f"{NO_MEETING}/record", PRACTITIONERS),
    "meetings.handout": ("GET", f"{NO_MEETING}/handout", PRACTITIONERS),
    "identities.list_sso_identities": ("GET", "/admin/identities", ADMIN),
    "identities.change_sso_identity": ("POST", "/admin/identities/nobody/pin", ADMIN),
    "notifications.list_notifications": ("GET", "/notifications", ALL_SIGNED_IN),
    "notifications.read_notification": ("POST", "/notifications/999999/read", ALL_SIGNED_IN),
    "notifications.open_link": ("GET", "/notifications/open/not-a-link-sent-to-anyone", PRACTITIONERS),
    "admin.accounts": ("GET", "/admin/accounts", ADMIN),
    "admin.disable_account": ("POST", "/admin/accounts/999999/disable", ADMIN),
    "admin.enable_account": ("POST", "/admin/accounts/999999/enable", ADMIN),
    "ig.sessions": ("GET", "/ig/sessions", IG),
    "ig.end_user_sessions": ("POST", "/ig/sessions/999999/end", IG),
    "auth.stay_signed_in": ("POST", "/session/stay-signed-in", ALL_SIGNED_IN),
    "auth.sign_out": ("POST", "/sign-out", ALL_SIGNED_IN),
}
# Reachable without signing in (sign-in itself, the SSO hand-off and the provider's back-channel logout, probes,
# assets).
PUBLIC = {"static", "auth.sign_in", "auth.sso_start", "auth.sso_callback", "auth.sso_back_channel_logout",
          "health.healthz", "health.readyz", "auth.session_status",
          # Published transparency snapshots: aggregate, suppressed figures, and 404 unless TRANSPARENCY_PUBLIC.
          "transparency.public_latest", "transparency.public_snapshot", "transparency.public_csv",
          "transparency.public_json", "transparency.public_schema"}
# Not for people at all: a bearer token or an allowed client address, else 404 (tests/observability).
OPERATOR_ONLY = {"observability.metrics"}
# Past the role gate, a route may still answer "bad form" (400) or "no such entry" (404): that is not a refusal.
PAST_THE_GATE = {200, 302, 303, 400, 404}  # 303: a form POSTed on to its answer's opaque address


def test_every_registered_endpoint_has_a_matrix_row(app: Flask) -> None:
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = set(CHILD_ROUTES) | set(OTHER_ROUTES) | PUBLIC | OPERATOR_ONLY
    assert registered - covered == set(), "routes without an authorisation-matrix row"
    assert covered - registered == set(), "matrix rows for routes that no longer exist"


def expected_status(endpoint: str, username: str, state: str) -> int:
    """What a practitioner-route request should get; the table the matrix checks."""
    if username not in PRACTITIONERS:
        return 403  # IG officers and admins use their own workspaces
    if endpoint == "children.search_results":
        return 303  # Post/Redirect/Get: to the results' own GET address
    if endpoint in ("children.search", "children.results", "children.end_break_glass"):
        return 200 if endpoint != "children.end_break_glass" else 302
    if endpoint == "children.change_purpose":
        return 302  # to the child's page under the new purpose, where access is decided afresh
    if endpoint == "children.break_glass":
        return 302  # to the record: already open, or opened by the new grant (offered for child protection)
    if endpoint == "children.filter_chronology":
        return 303 if state in OPENING_STATES else 403
    if endpoint == "children.decide_identity":
        return 302 if state in OPENING_STATES else 403
    if endpoint == "meetings.create_meeting":
        return 400 if state in OPENING_STATES else 403
    return 200 if state in OPENING_STATES else 403


class Trail:
    """The newest `refused` entry, to tell whether a request wrote a new one."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def newest(self, event_type: str = "refused"):  # type: ignore[no-untyped-def]
        from portal.audit.queries import search_entries
        from portal.extensions import audit_db

        with self.app.app_context():
            found = search_entries(audit_db.engine, event_type=event_type, limit=1)
        return found[0] if found else None


def _send(client: FlaskClient, method: str, path: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.get(path) if method == "GET" else client.post(path, data=form)


def _arrange_states(app: Flask, username: str, children: dict[str, str]) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        give_relationship(username, children["present"], starts=now - timedelta(days=30))
        give_relationship(username, children["expired"], starts=now - timedelta(days=400),
                          ends=now - timedelta(days=30))
        give_break_glass(username, children["break_glass_active"], started=now - timedelta(minutes=5))
        give_break_glass(username, children["break_glass_expired"], started=now - timedelta(hours=3))


@pytest.fixture
def state_children(sandbox) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A different cohort child for each state, so one user's states never interfere."""
    chis = [c["chi"] for c in sandbox.cohort if c.get("chi")][:len(STATES)]
    return dict(zip(STATES, chis, strict=True))


@pytest.mark.parametrize("username", ACCOUNTS)
def test_child_routes_allow_and_refuse_per_role_and_relationship_state(  # type: ignore[no-untyped-def]
        username, access_app, client, sign_in, state_children) -> None:
    if username in PRACTITIONERS:
        _arrange_states(access_app, username, state_children)
    sign_in(username)
    trail = Trail(access_app)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    failures = []
    for state, chi in state_children.items():
        token = child_token(access_app, username, chi, client=client)
        forms = {
            "children.search_results": {"chi": chi, "purpose": "child_protection"},
            "children.decide_identity": {"agency": "health", "source_id": "x-1", "decision": "confirm",
                                         "offer": identity_offer(access_app, username, token, "health", "x-1",
                                                                 client=client)},
            "children.change_purpose": {"purpose": "girfec_wellbeing"},
            "children.break_glass": {"reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION},
        }
        for endpoint, (method, suffix) in CHILD_ROUTES.items():
            search = search_token(access_app, username, chi, client=client)
            if suffix.startswith(("/children/search", "/children/results", "/meetings/")):
                path = suffix.format(token=token, search=search)
            else:
                path = f"/children/{token}{suffix}"
            before = trail.newest()
            response = _send(client, method, path, {"csrf_token": csrf, **forms.get(endpoint, {})})
            want = expected_status(endpoint, username, state)
            if response.status_code != want:
                failures.append(f"{endpoint} {state}: got {response.status_code}, expected {want}")
                continue
            if want == 403:
                failures += _refusal_problems(trail, before, endpoint, state, username, chi)
    assert failures == []


def _refusal_problems(trail: Trail, before, endpoint: str, state: str, username: str,  # type: ignore[no-untyped-def]
                      chi: str) -> list[str]:
    after = trail.newest()
    cell = f"{endpoint} {state}"
    if after is None or (before is not None and after.sequence == before.sequence):
        return [f"{cell}: refused without a 'refused' audit entry"]
    if after.user_id != username:
        return [f"{cell}: refusal audited for {after.user_id}"]
    if username in PRACTITIONERS and after.subject_chi != chi:
        return [f"{cell}: refusal audited without the child"]
    if username not in PRACTITIONERS and after.details.get("route") != endpoint.split(".")[1]:
        return [f"{cell}: refusal audited for route {after.details.get('route')}"]
    return []


@pytest.mark.parametrize("username", ACCOUNTS)
def test_other_routes_let_only_their_roles_past_the_gate(username, access_app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in(username)
    trail = Trail(access_app)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    failures = []
    for endpoint, (method, path, allowed) in OTHER_ROUTES.items():
        before = trail.newest()
        status = _send(client, method, path, {"csrf_token": csrf}).status_code
        if username in allowed and status not in PAST_THE_GATE:
            failures.append(f"{endpoint}: allowed role got {status}")
        elif username not in allowed:
            after = trail.newest()
            if status != 403:
                failures.append(f"{endpoint}: got {status}, expected 403")
            elif after is None or (before is not None and after.sequence == before.sequence):
                failures.append(f"{endpoint}: refused without a 'refused' audit entry")
    assert failures == []


def test_break_glass_opens_the_record_until_it_is_ended(access_app, client, sign_in, state_children) -> None:  # type: ignore[no-untyped-def]
    """The break-glass cells above, followed through: refused → grant → open → ended → refused again."""
    chi = state_children["absent"]
    sign_in("teacher")
    token = child_token(access_app, "teacher", chi, client=client)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    assert client.get(f"/children/{token}").status_code == 403
    started = client.post(f"/children/{token}/break-glass",
                          data={"csrf_token": csrf, "reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION})
    assert started.headers["Location"].endswith(f"/children/{token}")
    assert Trail(access_app).newest("break_glass_start").subject_chi == chi
    assert client.get(f"/children/{token}").status_code == 200
    client.post(f"/children/{token}/break-glass/end", data={"csrf_token": csrf})
    assert Trail(access_app).newest("break_glass_end").subject_chi == chi
    assert client.get(f"/children/{token}").status_code == 403


def test_break_glass_is_refused_and_audited_for_a_purpose_that_does_not_allow_it(  # type: ignore[no-untyped-def]
        access_app, client, sign_in, state_children) -> None:
    chi = state_children["absent"]
    sign_in("teacher")
    token = child_token(access_app, "teacher", chi, purpose="girfec_wellbeing", client=client)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    response = client.post(f"/children/{token}/break-glass",
                           data={"csrf_token": csrf, "reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION})
    assert response.status_code == 403
    refused = Trail(access_app).newest()
    assert refused.subject_chi == chi and refused.user_id == "teacher"
    assert client.get(f"/children/{token}").status_code == 403  # no grant was created


def test_break_glass_expires_when_its_time_is_up(access_app, client, sign_in, state_children,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving the portal's clock past the grant's end refuses the record again, offering break-glass anew."""
    chi = state_children["absent"]
    sign_in("teacher")
    token = child_token(access_app, "teacher", chi, client=client)
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    client.post(f"/children/{token}/break-glass",
                data={"csrf_token": csrf, "reason": BREAK_GLASS_REASON, "justification": JUSTIFICATION})
    assert client.get(f"/children/{token}").status_code == 200
    _move_clock(monkeypatch, timedelta(minutes=61))
    refused = client.get(f"/children/{token}")
    assert refused.status_code == 403
    assert "break-glass access to this child ended" in refused.get_data(as_text=True)


def _move_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    from portal.children import routes

    real: Callable[[], datetime] = routes.now_utc
    monkeypatch.setattr(routes, "now_utc", lambda: real() + by)
