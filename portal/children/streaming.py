"""The child's record as Server-Sent Events: each agency's status as it answers, then the record.

The audit entry is committed after the agencies have answered and before the record
is sent; if it cannot be, the record event carries the "service unavailable" message
instead (fail closed). Statuses carry no record content, only what answered and how.
Access is decided before the stream starts (a refusal is an ordinary 403 page). Once
streaming, a long `retry` stops the browser reconnecting, which would gather again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from functools import partial

from flask import Response, current_app, get_template_attribute, render_template, stream_with_context
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import MultiDict

from portal.access.decision import AccessDecision
from portal.access.purposes import PURPOSES
from portal.audit.writer import AuditUnavailable
from portal.auth.sessions import session_is_live
from portal.backpressure import BUSY_TITLE, refuse_busy
from portal.children import display
from portal.children.assemble import Gathering, start_gathering
from portal.children.first_view import first_page, record_first_page
from portal.children.offers import offer_for_page
from portal.children.page import build_page
from portal.children.reference import ChildReference
from portal.data.users import SignedInUser
from portal.record.gather import GatheredSource
from portal.record.pool import Saturated

NO_RECONNECT_MS = 24 * 3600 * 1000


def sse(event: str, html: str) -> str:
    """One event; every line of the payload is its own `data:` line."""
    lines = html.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


def event_stream(token: str, reference: ChildReference, decision: AccessDecision, today: date) -> Response:
    """Stream the statuses, then the record; `today` is what "review overdue" is measured against."""
    user: SignedInUser = current_user._get_current_object()  # the user itself, for use after the request
    try:
        gathering = start_gathering(reference, decision, summary_only=True)  # every agency is asked now, or none
    except Saturated as busy:
        # The page's EventSource would not show a 503 page: the busy message arrives as the record instead.
        body = refuse_busy("fanout", busy.retry_after_s)
        message = render_template("children/_stream_message.html", title=BUSY_TITLE, body=body)
        return Response(f"retry: {NO_RECONNECT_MS}\n\n" + sse("record", message) + sse("done", ""),
                        mimetype="text/event-stream", headers={"Cache-Control": "no-store",
                                                               "Retry-After": str(busy.retry_after_s)})

    def events() -> Iterator[str]:
        yield f"retry: {NO_RECONNECT_MS}\n\n"
        progress_item = get_template_attribute("children/_statuses.html", "progress_item")
        answered: list[GatheredSource] = []
        for source in gathering.answers:
            answered.append(source)
            yield sse(f"status-{source.agency}", str(progress_item(source)))
        if not session_is_live():  # signed out, timed out or revoked while the agencies answered
            yield sse("record", render_template(
                "children/_stream_message.html", title="You have been signed out",
                body="Your session ended, so the record is not shown. Sign in again to continue.", signed_out=True))
            yield sse("done", "")
            return
        yield _record_event(token, user, reference, decision, gathering, gathering.in_order(answered), today)
        yield sse("done", "")

    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _record_event(token: str, user: SignedInUser, reference: ChildReference, decision: AccessDecision,
                  gathering: Gathering, sources: Sequence[GatheredSource], today: date) -> str:
    """Page 1 read in windows, as the content view reads it (portal.children.first_view)."""
    params = display.parse_params(MultiDict(), set(gathering.agencies))
    shown = first_page(user, reference, decision, gathering, sources, params)
    record = shown.record
    page = build_page(record, params, shown.table.page, today, offer_for=partial(offer_for_page, token))
    html = render_block("children/child.html", "record", token=token, decision=decision, record=record, page=page,
                        params=params, chronology=shown.table, timeline=shown.timeline, first=shown,
                        purpose=PURPOSES[reference.purpose])
    try:
        record_first_page(shown, "view_child", params, details={"delivery": "stream"})
    except AuditUnavailable:
        current_app.logger.error("audit trail unavailable; refusing to stream content")
        return sse("record", render_template(
            "children/_stream_message.html", title="Sorry, the service is unavailable",
            body="The portal cannot record access right now, so it is not showing any records. "
                 "Try again in a few minutes."))
    return sse("record", html)
