"""The "next page" of a child's chronology, read on from where the page on screen stopped (portal.children.paging).

The page reference in the link is checked before any agency is asked: one that this portal
did not issue in this session, for this child and these filters, is refused (audited, 400).
The audit entry lists, per agency, the record ids the page shows and the windows asked for.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal import labels
from portal.access.decision import AccessDecision
from portal.access.purposes import PURPOSES
from portal.auth.sessions import reference_key
from portal.children import audit_events, display
from portal.children.assemble import now_utc
from portal.children.page import build_page
from portal.children.paging import (
    identity_record,
    page_binding,
    table_for,
    windowed_page,
)
from portal.children.reference import BadReference, ChildReference, decode_page, encode_page
from portal.errors import error_page
from portal.record.merge import entry_events
from portal.rendering import render_page


def turn_page(token: str, reference: ChildReference, decision: AccessDecision, at: str,
              agencies: list[tuple[str, str]], args: MultiDict[str, str]) -> ResponseReturnValue:
    """The chronology fragment for the next page; the timeline on screen is kept (it does not change).

    `args`: the controls as `filter_address.from_address` read them from the address."""
    names = {agency for agency, _ in agencies}
    params = display.parse_params(args, names)
    secret, session_key = current_app.config["SECRET_KEY"], reference_key()
    try:
        resume = decode_page(at, page_binding(reference, params), secret, session_key)
        if resume.page != params.page or params.errors:
            raise BadReference("This link to a chronology page does not match the page asked for.")
    except BadReference:
        audit_events.record_invalid_reference("unknown, tampered or foreign page link")
        return error_page(400, "Sorry, there is a problem with that link",
                          "That link to a chronology page is not valid here. Go back to the child's page and "
                          "use the page links there.")
    record = identity_record(current_user, reference, decision)
    record, view, policy = windowed_page(record, current_user, params, resume)
    following = encode_page(view.next_page, page_binding(reference, params), secret, session_key) \
        if view.next_page and view.page.has_next else ""
    table = table_for(view, resume, following)
    page = build_page(record, params, table.page, labels.uk_time(now_utc()).date())
    response = render_page("children/child.html", block="chronology", token=token, decision=decision,
                           record=record, page=page, params=params, chronology=table, timeline=None,
                           agencies=agencies, purpose=PURPOSES[reference.purpose])
    pairs = display.query_string(params.address, page=view.page.number if view.page.number > 1 else "")
    response.headers["HX-Push-Url"] = url_for("children.child_content", token=token) + (
        "?" + urlencode(pairs) if pairs else "")
    shown = [e for entry in view.page.items for e in entry_events(entry)]
    window = view.audit_details()
    for agency, removed in policy.removed.items():
        window.setdefault(agency, {})["removed_by_policy"] = removed
    audit_events.record_view("chronology_page", record, shown, (),
                             details={"page": view.page.number, "filtered": params.raw, "window": window})
    return response
