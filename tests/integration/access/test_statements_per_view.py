"""How many SQL statements one content view sends to the portal's database (not a timed test).

Every view decides access afresh from the database; these pin down that it does so in as few round trips
as the decision needs: the signed-in user with their unread count, then the child's access basis.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from tests.integration.children.conftest import open_child


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[str]]:
    """Every statement the portal's own database (not the audit store) is sent inside the block."""
    from portal.extensions import db

    sent: list[str] = []

    def _note(_conn, _cursor, statement: str, *_rest) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    engine = db.engine
    assert engine is not None
    event.listen(engine, "before_cursor_execute", _note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", _note)


def test_a_content_view_reads_the_portal_database_twice(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    content_url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    with statements_sent(child_app) as sent:
        reply = client.get(content_url)
    assert reply.status_code == 200
    assert len(sent) == 2
