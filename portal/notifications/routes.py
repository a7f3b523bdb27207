"""The notifications page, and the opaque link that opens a child for the notification's recipient only."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.auth.permissions import PRACTITIONER_ROLES, roles_required
from portal.children.forms import purpose_choices
from portal.children.reference import ChildReference, encode_reference
from portal.data.notifications import child_for_link, inbox, mark_read
from portal.notifications.badge import notifications_changed, unread_for_header
from portal.rendering import render_page

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def _child_link(reference: ChildReference) -> str:
    """The child's opaque reference, made the way the search makes it (bound to this session where sessions
    are server-side and carry a reference key)."""
    from portal.auth import sessions

    reference_key = getattr(sessions, "reference_key", None)
    extra = {"session_key": reference_key()} if reference_key else {}
    return encode_reference(reference, current_app.config["SECRET_KEY"], **extra)


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """For the header badge: the signed-in user's unread in-portal notifications."""
    return unread_for_header()


@bp.get("")
@login_required
def list_notifications() -> ResponseReturnValue:
    return render_page("notifications/list.html", items=inbox(current_user.id))


@bp.post("/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int) -> ResponseReturnValue:
    read = mark_read(current_user.id, notification_id)
    notifications_changed()
    if not read:
        abort(404)
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/open/<token>", methods=["GET", "POST"])
@roles_required(*PRACTITIONER_ROLES)
def open_link(token: str) -> ResponseReturnValue:
    """Ask why (a coded purpose, as every view needs), then open the child; only for the link's recipient."""
    found = child_for_link(current_user.id, token)
    notifications_changed()  # following the link marked it read
    if found is None:  # not sent to this user (or no such link): nothing about the child is revealed
        from portal.auth.events import record_refused_route

        record_refused_route(current_user, "open_link")
        abort(404)
    purpose = request.form.get("purpose", "")
    choices = purpose_choices()
    if request.method == "POST" and purpose in dict(choices):
        reference = ChildReference(chi=found[1], purpose=purpose, user_id=current_user.id)
        return redirect(url_for("children.show_child", token=_child_link(reference)))
    errors = {"purpose": "Choose why you need to see this child's information"} if request.method == "POST" else {}
    return render_page("notifications/open.html", token=token, purposes=choices, errors=errors,
                       status=400 if errors else 200)
