"""Generated input at every form and query parameter of every route: no 5xx, no audit entry for unseen content.

Routes come from `app.url_map`, so a new route is fuzzed without anyone adding it here. Field
names come from the forms each page renders, from `FIELDS` below (parameters no form shows, e.g.
`page`), and from Hypothesis itself. Requests go through signed-in clients of several roles
(and an anonymous one), with the CSRF token, so POSTs reach the handlers' own checks; child
routes get this user's real link to a sandbox child as often as a broken one.
Each field is first swept alone with the values that broke parsers before (SWEEP), then Hypothesis
sends EXAMPLES_PER_ROUTE generated requests per route (raise SCV_FUZZ_EXAMPLES for a longer hunt).
"""

from __future__ import annotations

import os
import re
import string
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import extract_csrf
from tests.integration.access.conftest import child_token, give_relationship
from tests.support.accounts import TEST_PASSWORD

EXAMPLES_PER_ROUTE = int(os.environ.get("SCV_FUZZ_EXAMPLES", "10"))
ROLES = ("lead.professional", "teacher", "ig.officer", "admin")
VIEW_EVENTS = ("view_child", "chronology_page", "print", "search")
CONTENT_MARKERS = ('data-testid="data-flows"', 'data-testid="chronology-count"', 'data-testid="print-marking"',
                   '<h1 class="govuk-heading-l">Search results</h1>')
# Parameters that no rendered form shows but a route reads.
FIELDS: dict[str, tuple[str, ...]] = {
    "children.child_content": ("agency", "shanarri", "from", "to", "q", "words", "show", "order", "page"),
    "children.chronology": ("agency", "shanarri", "from", "to", "q", "words", "show", "order", "page"),
    "children.print_child": ("agency", "shanarri", "from", "to", "q", "words", "show", "order", "page"),
    "children.decide_identity": ("agency", "source_id", "decision", "offer"),
    "children.break_glass": ("reason", "justification"),
    "ig.dashboard": ("days",),
    "ig.search": ("page", "q"),
    "ig.download_export": ("format", "chi", "user", "since-day", "since-month", "since-year"),
    "ig.who_viewed_csv": ("chi",),
    "ig.review_break_glass": ("decision", "note"),
    "admin.relationships": ("f", "holder", "page"),
    "admin.accept_suggestion": ("chi", "user_id", "basis"),
    "auth.sso_callback": ("code", "state", "error"),
    "meetings.create_meeting": ("meeting_type", "purpose", "attendee", "family_present", "other_role_1", "action"),
}
SKIPPED = {"auth.sign_out"}  # it would end the session the other examples use; tested on its own elsewhere

NASTY = ["", " ", "0", "-1", "1", "2", "²", "٣", "9" * 23, "9999-12-31", "0001-01-01", "2024-02-30", "1e309",
         "NaN", "null", "\x00", "<script>alert(1)</script>", "' OR '1'='1", "../../etc/passwd", "%00", "%",
         "x" * 300, "y" * 6000, "csv", "fhir", "all", "oldest", "confirm", "reject", "health", "social_work",
         "child_protection", "immediate_risk", "appropriate", "0101011237", "010101 1237", "30", "7"]
SWEEP = ("²", "9" * 23, "9999-12-31")  # a Unicode digit, an overflowing number, the last representable date
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
# Mostly the values that have broken parsers before; plain generated text and numbers for the rest.
VALUES = st.one_of(*[st.sampled_from(NASTY)] * 4, TEXT, st.integers().map(str), st.dates().map(str))
NAMES = st.text(alphabet=string.ascii_lowercase + "-_", min_size=1, max_size=12)
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def test_no_route_answers_5xx_or_audits_what_it_did_not_show(access_app: Flask, sandbox) -> None:  # type: ignore[no-untyped-def]
    chi = sandbox.child("multi_agency")["chi"]
    with access_app.app_context():
        give_relationship("lead.professional", chi, starts=datetime.now(UTC) - timedelta(days=30))
    clients = {role: _signed_in(access_app, role) for role in ROLES}
    clients["anonymous"] = access_app.test_client()
    # Links are bound to the session that made them, so each role's link is made in its own client's session.
    tokens = {role: child_token(access_app, role, chi, client=clients[role]) for role in ROLES}
    # The links really open the child, so the child routes' own parsing is what gets fuzzed, not a 404.
    assert clients["lead.professional"].get(f"/children/{tokens['lead.professional']}/content").status_code == 200
    csrf = extract_csrf(clients["lead.professional"].get("/").get_data(as_text=True))
    csrfs = {role: extract_csrf(c.get("/" if role != "anonymous" else "/sign-in").get_data(as_text=True))
             for role, c in clients.items()}
    assert csrf
    rules = [r for r in access_app.url_map.iter_rules() if r.endpoint not in SKIPPED]
    assert {r.endpoint for r in rules} >= {"children.child_content", "ig.search", "admin.add_relationship"}
    harvested = _form_fields(clients, rules)
    gates = _gates(clients, rules, tokens)
    problems: list[str] = []
    for rule in rules:
        fields = set(FIELDS.get(rule.endpoint, ())) | harvested.get(rule.rule, set())
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        allowed = gates.get(rule.endpoint) or gates.get(rule.endpoint.split(".")[0], [])
        _sweep_route(access_app, rule, methods, sorted(fields), clients, csrfs, tokens, allowed, problems)
        _fuzz_route(access_app, rule, methods, sorted(fields), clients, csrfs, tokens, allowed, problems)
    assert problems == []


def _sweep_route(app: Flask, rule, methods, fields, clients, csrfs, tokens, allowed, problems) -> None:  # type: ignore[no-untyped-def]
    """Each field alone with each value that has broken a parser before, as someone the route lets in."""
    role = allowed[0] if allowed else "lead.professional"
    path = PLACEHOLDER.sub(lambda m: "1" if m.group(1) == "int" else tokens[role], rule.rule)
    method = "GET" if "GET" in methods else methods[0]
    for field in fields:
        for value in SWEEP:
            _check(app, clients[role], method, path, {field: value}, csrfs[role], None, f"{role} sweep", problems)


def _check(app: Flask, client: FlaskClient, method: str, path: str, params: dict[str, str], csrf: str,
           data: st.DataObject | None, who: str, problems: list[str]) -> None:
    before = _view_entries(app)
    response = _send(client, method, path, params, csrf, data)
    body = response.get_data(as_text=True)
    where = f"{who} {method} {path[:60]} {params!r}"[:300]
    if response.status_code >= 500:
        problems.append(f"{response.status_code} from {where}")
    audited = _view_entries(app) - before
    if audited and (response.status_code != 200 or not any(m in body for m in CONTENT_MARKERS)):
        problems.append(f"audited {audited} view(s) without showing content ({response.status_code}): {where}")


def _fuzz_route(app: Flask, rule, methods, fields, clients, csrfs, tokens, allowed, problems) -> None:  # type: ignore[no-untyped-def]
    known = len(problems)

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def probe(data: st.DataObject) -> None:
        # Mostly someone the route lets in, so its own checks are what the input meets.
        let_in = [st.sampled_from(allowed)] * 3 if allowed else []
        role = data.draw(st.one_of(*let_in, st.sampled_from(sorted(clients))), label="role")
        method = data.draw(st.sampled_from(methods), label="method")
        path = PLACEHOLDER.sub(lambda m: _path_value(data, m.group(1), tokens.get(role)), rule.rule)
        names = st.one_of(*[st.sampled_from(fields)] * 3, NAMES) if fields else NAMES
        params = data.draw(st.dictionaries(names, VALUES, max_size=6), label="params")
        _check(app, clients[role], method, path, params, csrfs[role], data, role, problems)
        assert len(problems) == known, problems[-1]

    probe()


def _path_value(data: st.DataObject, converter: str | None, token: str | None) -> str:
    if converter == "int":
        # Past 64 bits too: SQLite refused those ids with OverflowError (a 500) until routes bounded them.
        return str(data.draw(st.one_of(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0)),
                             label="int"))
    if converter == "path":
        return data.draw(st.sampled_from(["css/portal.css", "js/portal.js", "../../pyproject.toml", "nope"]))
    choices = ["not-a-link", "A" * 500, "gAAAAA" + "x" * 100]
    if token:
        choices += [token, token, token[:-3] + "abc"]
    return data.draw(st.sampled_from(choices), label="segment")


def _send(client: FlaskClient, method: str, path: str, params: dict[str, str], csrf: str,
          data: st.DataObject | None):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(path, query_string=params)
    form: dict[str, Any] = {**params, "csrf_token": csrf}
    if path.endswith("/import") and data is not None and data.draw(st.booleans(), label="upload"):
        content = data.draw(st.binary(max_size=400), label="file")
        form["csv-file"] = (BytesIO(content), "relationships.csv")
    return client.post(path, data=form)


def _gates(clients: dict[str, FlaskClient], rules, tokens: dict[str, str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Roles each GET route lets past its role check, and per area (blueprint) for the POST routes."""
    gates: dict[str, list[str]] = {}
    for rule in rules:
        if "GET" not in (rule.methods or ()):
            continue
        for role in ROLES:
            path = PLACEHOLDER.sub(lambda m, r=role: "1" if m.group(1) == "int" else tokens[r], rule.rule)
            response = clients[role].get(path)
            if response.status_code not in (401, 403) and "/sign-in" not in (response.location or ""):
                gates.setdefault(rule.endpoint, []).append(role)
                area = gates.setdefault(rule.endpoint.split(".")[0], [])
                if role not in area:
                    area.append(role)
    return gates


def _view_entries(app: Flask) -> int:
    from portal.audit.queries import count_entries
    from portal.extensions import audit_db

    with app.app_context():
        return sum(count_entries(audit_db.engine, event_type=kind) for kind in VIEW_EVENTS)


def _form_fields(clients: dict[str, FlaskClient], rules) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Field names of every form on every page a role can GET, by the path the form is sent to."""
    found: dict[str, set[str]] = {}
    for rule in rules:
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        for client in clients.values():
            response = client.get(rule.rule)
            if response.status_code != 200 or "html" not in (response.content_type or ""):
                continue
            for form in BeautifulSoup(response.get_data(as_text=True), "html.parser").select("form"):
                action = str(form.get("action") or rule.rule).split("?")[0]
                found.setdefault(action, set()).update(
                    str(tag["name"]) for tag in form.select("[name]") if tag["name"] != "csrf_token")
    return found


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD,
                                              "csrf_token": extract_csrf(page)})
    assert response.status_code == 302
    return client
