"""The timeline of every matching event, drawn when the practitioner asks (a long history's first page does not).

Its own read: access is decided afresh (a refusal is audited and draws nothing), every agency is
asked for everything (the timeline places every event), and the audit entry lists the events the
markers stand for. With htmx it is the figure alone, swapped in where the button was; without
JavaScript it is a page of its own with a link back to the record.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access.decision import AccessDecision
from portal.access.purposes import PURPOSES
from portal.children import audit_events, display
from portal.children.assemble import assemble
from portal.children.filter_address import FilterArgs
from portal.children.reference import ChildReference
from portal.record.merge import filter_events
from portal.rendering import render_page


def draw_timeline(token: str, reference: ChildReference, decision: AccessDecision,
                  back_to_results: str | None, filters: FilterArgs) -> ResponseReturnValue:
    record = assemble(current_user, reference, decision)  # Saturated here is the usual 503 "busy" page
    params = display.parse_params(filters.args, {source.agency for source in record.sources})
    drawn = filter_events(record.events, params.criteria)
    timeline = display.timeline_of(record, drawn, params)
    pairs = display.query_string(params.address, page="")
    back = url_for("children.child_content", token=token) + ("?" + urlencode(pairs) if pairs else "") + "#timeline"
    response = render_page("children/timeline.html", block="drawn" if request.headers.get("HX-Request") else None,
                           token=token, decision=decision, record=record, timeline=timeline, params=params,
                           back=back, purpose=PURPOSES[reference.purpose],
                           filter_words=display.filter_words(params), back_to_results=back_to_results,
                           filter_problem=filters.problem)
    audit_events.record_view("view_timeline", record, drawn, (), details={"filtered": params.raw})
    return response
