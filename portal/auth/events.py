"""Audit entries for sign-in, sign-out and refusals (who, never what about a child)."""

from __future__ import annotations

from portal.audit import trail
from portal.data.users import SignedInUser


def record_sign_in(user: SignedInUser, method: str) -> None:
    trail.record("sign_in", user=user, details={"method": method})


def record_sign_in_failed(username: str, method: str, *, paused: bool = False) -> None:
    # The attempted username is recorded (IG look for password guessing); the password never is.
    text = "sign-in paused after repeated failures" if paused else "credentials not accepted"
    trail.record("sign_in_failed", outcome=4, outcome_text=text,
                    details={"method": method, "attempted_username": username[:150], "paused": paused})


def record_sign_out(user: SignedInUser) -> None:
    trail.record("sign_out", user=user)


def record_session_expired(user: SignedInUser) -> None:
    trail.record("sign_out", user=user, details={"reason": "session expired"})


def record_refused_route(user: SignedInUser, view_name: str) -> None:
    trail.record("refused", user=user, outcome=4, outcome_text="role not permitted",
                    details={"route": view_name})


def _account(account_id: int | None) -> SignedInUser | None:
    from portal.data.sso import account_snapshot

    return account_snapshot(account_id) if account_id is not None else None


def record_sso_refused(code: str, provider_key: str | None, *, account_id: int | None = None) -> None:
    """A provider identity that may not sign in: why, through which provider, and which account it named."""
    account = _account(account_id)
    trail.record("sign_in_failed", outcome=4, outcome_text=f"single sign-on refused: {code}",
                    details={"method": "oidc", "provider": provider_key, "reason": code,
                             "attempted_username": account.username if account else "(single sign-on)"})


def record_sso_bound(user: SignedInUser, provider_key: str) -> None:
    trail.record("sso_identity_bound", user=user, details={"provider": provider_key})


def record_claimed_access_change(account_id: int, provider_key: str, change: str,
                                 granted: tuple[str, tuple[str, str, str]] | None) -> None:
    """The provider's claims changed what an account may do (or took its access away) at sign-in."""
    details: dict[str, object] = {"provider": provider_key, "change": change,
                                  "account": getattr(_account(account_id), "username", account_id)}
    if granted is not None:
        details.update(role=granted[0], organisation=": ".join(granted[1]))
    trail.record("account_access_change", outcome=4 if change == "revoked" else 0,
                    outcome_text="access revoked by identity provider claims" if change == "revoked" else None,
                    details=details)


def record_back_channel_logout(user_id: int, provider_key: str) -> None:
    trail.record("sign_out", user=_account(user_id), details={"reason": "back-channel logout",
                                                                  "provider": provider_key})
