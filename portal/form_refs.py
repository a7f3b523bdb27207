"""Opaque addresses for forms whose fields hold personal data (a CHI, a name, a date of birth).

The standards keep personal data out of URLs (browser history, proxy and server logs are not access-controlled).
A GET form that filters by CHI is sent by POST instead, and the answer's address carries only this reference:
the fields, encrypted and authenticated with a key derived from the app's secret and the session's own random
key, bound to the user and to one form (`scope`), expiring with the session. Nothing is stored server-side.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_login import current_user

from portal.auth.sessions import reference_key

LIFETIME_S = 12 * 3600  # never longer than the absolute session lifetime
MAX_REF_CHARS = 4000  # more than any form here can make; a longer one was not made here


class BadFormRef(ValueError):
    """Not a reference this portal made for this user, session and form, or expired."""


def _fernet(scope: str) -> Fernet:
    material = b"\x00".join((b"form-ref", scope.encode("utf-8"), current_app.config["SECRET_KEY"].encode("utf-8"),
                             reference_key().encode("utf-8")))
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material).digest()))


def encode_fields(fields: Mapping[str, str], scope: str) -> str:
    """The reference for these form fields, for the signed-in user in this session."""
    payload = {"u": current_user.id, "f": {str(k): str(v) for k, v in fields.items()}}
    token = _fernet(scope).encrypt(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return token.decode("ascii").rstrip("=")


def decode_fields(token: str, scope: str) -> dict[str, str]:
    """The fields, if this portal made `token` for this user, session and form within its lifetime."""
    if len(token) > MAX_REF_CHARS:
        raise BadFormRef("too long")
    padded = token + "=" * (-len(token) % 4)
    try:
        payload = json.loads(_fernet(scope).decrypt(padded.encode("ascii"), ttl=LIFETIME_S))
        fields = {str(k): str(v) for k, v in dict(payload["f"]).items()}
        same_user = int(payload["u"]) == current_user.id
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError, AttributeError) as error:
        raise BadFormRef("not valid or expired") from error
    if not same_user:
        raise BadFormRef("made for someone else")
    return fields
