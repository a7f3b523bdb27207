"""Which candidate records a child's page offered for Confirm / Reject.

The page asks no agency again when the practitioner decides, so the decision must prove the page offered that
(agency, record id) pair: each offered candidate's form carries a MAC over the pair, the child's link it was
shown under, the user and the session's reference key. A pair typed in by hand, or taken from another child's,
user's or session's page, carries no valid MAC, and the audit trail never says a practitioner confirmed a record
they were never shown as a candidate. Nothing is stored: the MAC dies with the session key and the child link.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import current_app
from flask_login import current_user

from portal.auth.sessions import reference_key

MAX_OFFER_CHARS = 64  # a hex SHA-256: anything longer was not made here


def sign_offer(secret_key: str, session_key: str, user_id: int, child_token: str, agency: str,
               source_id: str) -> str:
    """The MAC the page puts beside one offered candidate."""
    key = hashlib.sha256(b"identity-offer\x00" + secret_key.encode("utf-8") + b"\x00"
                         + session_key.encode("utf-8")).digest()
    # JSON keeps the fields apart: no id can be made to run into the next field.
    message = json.dumps([user_id, child_token, agency, source_id], separators=(",", ":")).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_offered(secret_key: str, session_key: str, user_id: int, child_token: str, agency: str, source_id: str,
               offer: str) -> bool:
    """Whether `offer` is the MAC this page made for the pair, for this user, session and child link."""
    if not offer or len(offer) > MAX_OFFER_CHARS:
        return False
    expected = sign_offer(secret_key, session_key, user_id, child_token, agency, source_id)
    return hmac.compare_digest(expected, offer)


def offer_for_page(child_token: str, agency: str, source_id: str) -> str:
    """Template helper: the MAC for one candidate shown to the signed-in user on the page of `child_token`."""
    return sign_offer(current_app.config["SECRET_KEY"], reference_key(), current_user.id, child_token, agency,
                      source_id)


def offered_here(child_token: str, agency: str, source_id: str, offer: str) -> bool:
    """Whether the signed-in user's page of `child_token`, in this session, offered the pair."""
    return is_offered(current_app.config["SECRET_KEY"], reference_key(), current_user.id, child_token, agency,
                      source_id, offer)
