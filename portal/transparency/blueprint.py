"""The transparency blueprint: IG officers review and publish; anyone may read what was published (when on)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app

from portal.auth.permissions import roles_required

bp = Blueprint("transparency", __name__, url_prefix="/transparency")
ig_only = roles_required("ig_officer")
READ_PURPOSE = "HOPERAT"  # HL7 ActReason for healthcare operations: governance use of the trail


def require_public() -> None:
    """The public pages exist only where the partnership has switched them on (TRANSPARENCY_PUBLIC)."""
    if not current_app.config.get("TRANSPARENCY_PUBLIC", False):
        abort(404)
