"""The audit store's schema, on its own metadata so it can live in a separate database.

Only the migration in `portal/audit/migrations/` creates these tables; this module
describes them for queries and inserts.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
)

audit_metadata = MetaData()

ENTRIES_TABLE = "audit_entries"
VERSION_TABLE = "audit_alembic_version"
WRITER_ROLE = "portal_audit_writer"


class EventType(enum.StrEnum):
    """Every kind of event the trail records. Stored as its string value."""

    SEARCH = "search"  # one entry per child a search returned
    VIEW_CHILD = "view_child"
    CHRONOLOGY_PAGE = "chronology_page"
    VIEW_TIMELINE = "view_timeline"  # the whole timeline, drawn on request for a long history
    PRINT = "print"
    BREAK_GLASS_START = "break_glass_start"
    BREAK_GLASS_END = "break_glass_end"
    BREAK_GLASS_REVIEW = "break_glass_review"
    REFUSED = "refused"
    IDENTITY_CONFIRM = "identity_confirm"
    IDENTITY_REJECT = "identity_reject"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    SIGN_IN_FAILED = "sign_in_failed"
    AUDIT_READ = "audit_read"
    AUDIT_EXPORT = "audit_export"
    RELATIONSHIP_CHANGE = "relationship_change"  # an admin added, ended or accepted a relationship
    MEETING_START = "meeting_start"  # a meeting about one child went on screen: type, attendees, presence
    MEETING_PRESENCE = "meeting_presence"  # the family or child came into or left the room
    MEETING_REVEAL = "meeting_reveal"  # the chair showed one withheld item to the room (item id, reason)
    MEETING_END = "meeting_end"  # the meeting ended (or timed out): what was on screen, as ids
    SSO_IDENTITY_BOUND = "sso_identity_bound"  # an account was linked to a provider's (issuer, subject)
    ACCOUNT_ACCESS_CHANGE = "account_access_change"  # claims changed an account's role or organisation, or revoked it
    NOTIFICATION_DELIVERY = "notification_delivery"  # a notification was sent, failed or given up on
    ACCOUNT_CHANGE = "account_change"  # an admin disabled or enabled an account
    SESSIONS_ENDED = "sessions_ended"  # IG (or an admin disabling the account) ended a user's sessions


class Outcome(enum.IntEnum):
    """FHIR AuditEvent outcome codes (R4 `AuditEventOutcome`)."""

    SUCCESS = 0
    MINOR_FAILURE = 4  # e.g. access refused, bad request
    SERIOUS_FAILURE = 8
    MAJOR_FAILURE = 12


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored as UTC and always read back timezone-aware.

    SQLite drops offsets silently, so converting on the way in is what keeps
    both dialects (and the hash over the value) identical.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value  # the driver hands back a datetime for this column
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


audit_entries = Table(
    ENTRIES_TABLE,
    audit_metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("outcome", SmallInteger, nullable=False),
    Column("outcome_text", String(500)),
    Column("user_id", String(200)),
    Column("user_display_name", String(200)),
    Column("user_role", String(100)),
    Column("organisation", String(200)),
    Column("team", String(200)),
    Column("session_hash", String(64)),
    Column("client_address", String(64)),
    Column("user_agent", String(500)),
    Column("subject_chi", String(10)),
    Column("subject_identifiers", JSON),
    Column("purpose_code", String(60)),
    Column("purpose_of_use", String(20)),
    Column("relationship_basis", String(200)),
    Column("break_glass", Boolean, nullable=False),
    Column("break_glass_reason", Text),
    Column("related_sequence", BigInteger),
    Column("agreements", JSON),
    Column("sources", JSON),
    Column("details", JSON),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("entry_hash", String(64), nullable=False, unique=True),
    Index("ix_audit_entries_subject_chi", "subject_chi"),
    Index("ix_audit_entries_user_id", "user_id"),
    Index("ix_audit_entries_recorded_at", "recorded_at"),
    Index("ix_audit_entries_event_type", "event_type"),
    Index("ix_audit_entries_organisation", "organisation"),
    Index("ix_audit_entries_related_sequence", "related_sequence"),
)

# Columns covered by the hash: everything except the two hash columns themselves.
HASHED_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in audit_entries.columns if column.name not in ("prev_hash", "entry_hash")
)
