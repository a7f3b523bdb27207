"""The header's unread-notifications count, read in the same statement as the request's signed-in user.

Flask-Login loads the user once per request (`load_request_user`); the count read with it is kept on `g` for that
request only. A request that changes the user's notifications (reads one, follows a link, sends some) drops it,
so the header then counts afresh, as it did before the two reads were one.
"""

from __future__ import annotations

from flask import g, has_app_context
from flask_login import current_user

from portal.data.notifications import unread_count
from portal.data.signed_in import load_signed_in
from portal.data.users import SignedInUser

_KEY = "unread_with_user"  # on g: (user id, unread count) as read with the user at the start of this request


def load_request_user(user_id: str) -> SignedInUser | None:
    """Flask-Login's user loader: the active user, their unread count kept for this request's header."""
    found = load_signed_in(int(user_id))
    if found is None:
        return None
    user, unread = found
    setattr(g, _KEY, (user.id, unread))
    return user


def unread_for_header() -> int:
    """The signed-in user's unread in-portal notifications (0 when nobody is signed in)."""
    if not current_user.is_authenticated:
        return 0
    known = g.get(_KEY)
    if known is not None and known[0] == current_user.id:
        return int(known[1])
    return unread_count(current_user.id)


def notifications_changed() -> None:
    """Call after changing notifications in this request: the header then counts them afresh."""
    if has_app_context():
        g.pop(_KEY, None)
