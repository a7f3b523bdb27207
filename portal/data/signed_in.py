"""The signed-in user of a request, read in one Core statement with their unread in-portal notification count.

Every request loads its user afresh (a disabled account stops at its next request) and every full page shows the
unread count in its header: one round trip for both, with no ORM session.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, select

from portal.data.models import ROLE_LABELS, Organisation, User
from portal.data.notifications import PORTAL, Notification
from portal.data.users import SignedInUser
from portal.extensions import db

_users, _organisations, _notifications = User.__table__.c, Organisation.__table__.c, Notification.__table__.c

_UNREAD = (select(func.count(_notifications.id))
           .where(_notifications.recipient_user_id == _users.id, _notifications.channel == PORTAL,
                  _notifications.read_at.is_(None))
           .scalar_subquery())
# Built once: only the user id changes from request to request.
_SIGNED_IN = (select(_users.id, _users.username, _users.display_name, _users.role, _users.active,
                     _organisations.id.label("organisation_id"), _organisations.agency,
                     _organisations.name.label("organisation"), _organisations.team, _UNREAD.label("unread"))
              .select_from(User.__table__.join(Organisation.__table__,
                                               and_(_organisations.id == _users.organisation_id)))
              .where(_users.id == bindparam("user_id")))


def load_signed_in(user_id: int) -> tuple[SignedInUser, int] | None:
    """The active user with this id and their unread in-portal notifications; None for an unknown or disabled one."""
    with db.reading() as connection:
        row = connection.execute(_SIGNED_IN, {"user_id": user_id}).first()
    if row is None or not row.active:
        return None
    user = SignedInUser(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                        role_label=ROLE_LABELS.get(row.role, row.role), agency=row.agency,
                        organisation=row.organisation, team=row.team, organisation_id=row.organisation_id)
    return user, int(row.unread)
