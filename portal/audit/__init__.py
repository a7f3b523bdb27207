"""The tamper-evident audit trail: append-only, hash-chained, verifiable, exportable.

Callers record an entry (and get it committed) before sending any child's information;
if `AuditWriter.record` raises `AuditUnavailable`, they send no content.
"""

from portal.audit.entry import AuditInput, RecordedEntry, SourceAudit, SubjectIdentifier, hash_session_id
from portal.audit.export import export_csv, export_fhir_bundle, write_csv, write_fhir_bundle
from portal.audit.head import signed_head, verify_head
from portal.audit.models import EventType, Outcome
from portal.audit.queries import count_entries, get_entry, iter_entries, search_entries, viewers_of_child
from portal.audit.store import upgrade_audit_engine, upgrade_audit_store
from portal.audit.verify import VerifyResult, verify_chain
from portal.audit.writer import AuditUnavailable, AuditWriter

__all__ = [
    "AuditInput",
    "AuditUnavailable",
    "AuditWriter",
    "EventType",
    "Outcome",
    "RecordedEntry",
    "SourceAudit",
    "SubjectIdentifier",
    "VerifyResult",
    "count_entries",
    "export_csv",
    "export_fhir_bundle",
    "get_entry",
    "hash_session_id",
    "iter_entries",
    "search_entries",
    "signed_head",
    "upgrade_audit_engine",
    "upgrade_audit_store",
    "verify_chain",
    "verify_head",
    "viewers_of_child",
    "write_csv",
    "write_fhir_bundle",
]
