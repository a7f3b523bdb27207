"""Keyed surname hashes: lets IG spot "viewer shares the child's surname" without the trail holding surnames.

The child view records `details.child_surname_hash = surname_hash(child_surname, AUDIT_HMAC_KEY)`; the
flag compares it with the same hash of the viewer's surname. A keyed HMAC (not a bare SHA-256) because
surnames are few enough to reverse a plain hash by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata


def normalise_surname(surname: str) -> str:
    """The form both sides hash: Unicode-normalised, trimmed, single-spaced, lower-cased."""
    composed = unicodedata.normalize("NFC", surname)
    return " ".join(composed.split()).lower()


def surname_hash(surname: str, key: str) -> str:
    """HMAC-SHA256 (hex) of the normalised surname under `key` (the app's AUDIT_HMAC_KEY)."""
    if not key:
        raise ValueError("a surname hash needs a key")
    return hmac.new(key.encode("utf-8"), normalise_surname(surname).encode("utf-8"), hashlib.sha256).hexdigest()


def surname_of(display_name: str | None) -> str | None:
    """The last word of a display name ("Pat Henderson" -> "Henderson"); None when there is no name."""
    words = (display_name or "").split()
    return words[-1] if words else None
