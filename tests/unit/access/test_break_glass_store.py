"""The break-glass free text is kept once, in the audit trail (where IG reviews it), never again in the grant."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from portal.data.break_glass import start_break_glass
from portal.data.models import User
from tests.support.policy_fixtures import CHI, NOW

TYPED = "Disclosure in class today about bruising at home"


def test_the_grant_keeps_the_coded_reason_but_not_the_typed_justification(
    session: Session, people: dict[str, User]
) -> None:
    grant = start_break_glass(session, people["teacher"], CHI, "immediate_risk", TYPED, NOW)
    session.flush()
    stored = session.execute(text("SELECT * FROM break_glass_grants WHERE id = :id"), {"id": grant.id}).one()
    assert [value for value in stored if isinstance(value, str) and "bruising" in value] == []
    assert "immediate_risk" in stored  # the coded reason stays: the access policy and the IG queue use it
    columns = {column["name"] for column in inspect(session.get_bind()).get_columns("break_glass_grants")}
    assert "justification" not in columns
