"""IG workspace: who has sessions open now, and ending all of one user's sessions (audited).

IG use this when an account may be misused (a shared or stolen device, a leaver): every
open session of that user ends at once, in every worker; they must sign in again.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from portal.audit import trail
from portal.auth.sessions import end_sessions_for_user, live_session_count
from portal.data.users import get_account, list_accounts
from portal.ig.blueprint import bp, ig_only
from portal.rendering import render_page


@bp.get("/sessions")
@ig_only
def sessions() -> ResponseReturnValue:
    rows = [(account, live_session_count(account.id)) for account in list_accounts()]
    return render_page("ig/sessions.html", rows=rows)


@bp.post("/sessions/<int:user_id>/end")
@ig_only
def end_user_sessions(user_id: int) -> ResponseReturnValue:
    account = get_account(user_id)
    if account is None:
        abort(404)
    ended = end_sessions_for_user(user_id)
    trail.record("sessions_ended", details={"account": account.username, "sessions_ended": ended,
                                               "by": "information governance"})
    noun = "session" if ended == 1 else "sessions"
    flash(f"Ended {ended} {noun} of {account.display_name} ({account.username}). "
          "They must sign in again.", "success")
    return redirect(url_for("ig.sessions"))
