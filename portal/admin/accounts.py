"""The admins' accounts page: who may sign in, and disabling or enabling an account.

Disabling an account also ends every session it has open, so a copy of its cookie or a
child link made in it stops working at once. Both are audited before the admin is told.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.admin.routes import bp
from portal.audit import trail
from portal.auth.permissions import roles_required
from portal.auth.sessions import end_sessions_for_user
from portal.data.users import list_accounts, set_account_active
from portal.rendering import render_page


@bp.get("/accounts")
@roles_required("admin")
def accounts() -> ResponseReturnValue:
    return render_page("admin/accounts.html", accounts=list_accounts())


@bp.post("/accounts/<int:user_id>/disable")
@roles_required("admin")
def disable_account(user_id: int) -> ResponseReturnValue:
    if user_id == current_user.id:
        flash("You cannot disable your own account. Ask another administrator.", "error")
        return redirect(url_for("admin.accounts"))
    account = set_account_active(user_id, False)
    if account is None:
        abort(404)
    ended = end_sessions_for_user(user_id)
    trail.record("account_change", details={"action": "disable", "account": account.username,
                                               "sessions_ended": ended})
    flash(f"{account.display_name} ({account.username}) can no longer sign in. "
          f"{_sessions_text(ended)} ended.", "success")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:user_id>/enable")
@roles_required("admin")
def enable_account(user_id: int) -> ResponseReturnValue:
    account = set_account_active(user_id, True)
    if account is None:
        abort(404)
    trail.record("account_change", details={"action": "enable", "account": account.username})
    flash(f"{account.display_name} ({account.username}) can sign in again.", "success")
    return redirect(url_for("admin.accounts"))


def _sessions_text(count: int) -> str:
    return "1 open session" if count == 1 else f"{count} open sessions"
