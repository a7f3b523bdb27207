"""The signed head: the latest sequence and hash, HMAC-signed, for anchoring outside the portal.

Someone with DBA rights could rebuild the whole chain consistently, or cut entries
off its end; a head printed earlier and kept elsewhere (a WORM bucket, an email to
IG) shows that happened. The HMAC proves the head came from a holder of the key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from portal.audit.bind import Bind, read_connection
from portal.audit.canonical import GENESIS_HASH, format_instant
from portal.audit.models import audit_entries

HEAD_FORMAT_VERSION = "scv-audit-head-v1"
MIN_KEY_BYTES = 16


def _signing_string(sequence: int, entry_hash: str, recorded_at: str | None) -> bytes:
    # One field per line and a version tag, so no two different heads share a signing string.
    return "\n".join([HEAD_FORMAT_VERSION, str(int(sequence)), entry_hash, recorded_at or ""]).encode("utf-8")


def _mac(key: bytes, sequence: int, entry_hash: str, recorded_at: str | None) -> str:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the audit head key must be at least {MIN_KEY_BYTES} bytes")
    return hmac.new(key, _signing_string(sequence, entry_hash, recorded_at), hashlib.sha256).hexdigest()


def signed_head(bind: Bind, key: bytes) -> dict[str, Any]:
    """The current head as `{sequence, entry_hash, recorded_at, hmac}`; an empty trail is sequence 0."""
    with read_connection(bind) as connection:
        head = connection.execute(
            select(audit_entries.c.sequence, audit_entries.c.entry_hash, audit_entries.c.recorded_at)
            .order_by(audit_entries.c.sequence.desc())
            .limit(1)
        ).first()
    if head is None:
        sequence, entry_hash, recorded_at = 0, GENESIS_HASH, None
    else:
        sequence, entry_hash, recorded_at = head.sequence, head.entry_hash, format_instant(head.recorded_at)
    return {
        "sequence": sequence,
        "entry_hash": entry_hash,
        "recorded_at": recorded_at,
        "hmac": _mac(key, sequence, entry_hash, recorded_at),
    }


def verify_head(head: Mapping[str, Any], key: bytes) -> bool:
    """True if `head` is exactly as `signed_head` produced it with this key."""
    try:
        expected = _mac(key, int(head["sequence"]), str(head["entry_hash"]), head.get("recorded_at"))
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(expected, str(head.get("hmac", "")))
