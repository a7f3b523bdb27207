"""Audit entries for sign-in, sign-out and refusals (who, never what about a child)."""

from __future__ import annotations

from portal import auditing
from portal.data.users import SignedInUser


def record_sign_in(user: SignedInUser, method: str) -> None:
    auditing.record("sign_in", user=user, details={"method": method})


def record_sign_in_failed(username: str, method: str, *, paused: bool = False) -> None:
    # The attempted username is recorded (IG look for password guessing); the password never is.
    text = "sign-in paused after repeated failures" if paused else "credentials not accepted"
    auditing.record("sign_in_failed", outcome=4, outcome_text=text,
                    details={"method": method, "attempted_username": username[:150], "paused": paused})


def record_sign_out(user: SignedInUser) -> None:
    auditing.record("sign_out", user=user)


def record_session_expired(user: SignedInUser) -> None:
    auditing.record("sign_out", user=user, details={"reason": "session expired"})


def record_refused_route(user: SignedInUser, view_name: str) -> None:
    auditing.record("refused", user=user, outcome=4, outcome_text="role not permitted",
                    details={"route": view_name})
