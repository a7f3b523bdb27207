"""The administrators' page of single sign-on identities: pin an account's role (the override of claim
mapping), let claims manage it again, or remove a binding. Every change is audited before the admin is told."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.audit import trail
from portal.auth.permissions import roles_required
from portal.data.sso import list_identities, set_role_pinned, unbind
from portal.rendering import render_page

bp = Blueprint("identities", __name__, url_prefix="/admin/identities")
ACTIONS = {"pin": "pinned", "unpin": "unpinned", "unbind": "unbound"}


@bp.get("")
@roles_required("admin")
def list_sso_identities() -> ResponseReturnValue:
    return render_page("admin/identities.html", identities=list_identities())


@bp.post("/<username>/<action>")
@roles_required("admin")
def change_sso_identity(username: str, action: str) -> ResponseReturnValue:
    if action not in ACTIONS:
        abort(404)
    done = unbind(username) if action == "unbind" else set_role_pinned(username, action == "pin")
    if not done:
        abort(404)
    trail.record("account_access_change", details={"account": username, "change": ACTIONS[action],
                                                      "by": current_user.username})
    flash(f"{username}: single sign-on identity {ACTIONS[action]}.", "success")
    return redirect(url_for("identities.list_sso_identities"))
