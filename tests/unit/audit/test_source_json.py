"""A source's line goes into the entry as `to_json` gives it, unparsed: it must already be what the store gives
back (lists, not tuples; plain numbers and strings), or the hash made at write time would not be the one verify
recomputes from the stored row."""

from __future__ import annotations

import json
from enum import Enum, IntEnum

from portal.audit.entry import AuditInput, SourceAudit
from portal.audit.models import EventType


class _Count(IntEnum):
    SOME = 3


class _Label(str, Enum):
    NORMAL = "N"


def test_sources_as_stored_equal_what_reads_back_from_json() -> None:
    source = SourceAudit(agency="health", status="ok", elapsed_ms=_Count.SOME, item_count=_Count.SOME,
                         record_ids=("rec-1", "rec-2"), security_labels=(_Label.NORMAL,),
                         withheld_categories=("health_encounters",), dropped_wrong_child=_Count.SOME, reason="",
                         restricted_withheld=1, sealed_notices=2, candidates=_Count.SOME)
    stored = AuditInput(event_type=EventType("view_child"), sources=(source,)).column_values()["sources"]

    read_back = json.loads(json.dumps(stored, allow_nan=False))
    assert stored == read_back
    assert [type(value) for value in stored[0].values()] == [type(value) for value in read_back[0].values()]
    assert json.dumps(stored, sort_keys=True) == json.dumps(read_back, sort_keys=True)
