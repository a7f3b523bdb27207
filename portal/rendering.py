"""Render a whole page, or just one named block of it for an htmx request."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template
from jinja2_fragments.flask import render_block

from portal.extensions import htmx


def render_page(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """One template serves both: htmx gets `block`, everyone else the full page.

    `Vary: HX-Request` stops a cache (or the back button) serving a fragment as a page.
    """
    if block and htmx and not htmx.boosted:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response
