"""What the transparency views ask for: figures for a period, a snapshot built, published and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from portal.audit import trail
from portal.audit.flow_queries import Flows, flows_for_period
from portal.audit.governance_queries import Governance, governance_for_period
from portal.audit.snapshots import PublishedSnapshot, get_snapshot, latest_snapshot, list_snapshots, save_snapshot  # noqa: E501
from portal.extensions import audit_db
from portal.transparency.blueprint import READ_PURPOSE
from portal.transparency.forms import Period
from portal.transparency.publication import build_snapshot, snapshot_digest, snapshot_json

__all__ = ["PublishedSnapshot", "list_published", "period_figures", "period_governance", "preview_snapshot",
           "publish_snapshot", "published"]


def period_figures(period: Period) -> Flows:
    return flows_for_period(audit_db, period.since, period.until)


def period_governance(period: Period) -> Governance:
    return governance_for_period(audit_db, period.since, period.until)


def preview_snapshot(period: Period) -> dict[str, Any]:
    """The snapshot exactly as it would be published now (already suppressed)."""
    return build_snapshot(period_figures(period), period.start, period.end, datetime.now(UTC))


@dataclass(frozen=True)
class Published:
    snapshot_id: int
    sha256: str


def publish_snapshot(period: Period) -> Published:
    """Build, record in the trail (first: no unrecorded publication), then store the snapshot."""
    published_at = datetime.now(UTC).replace(microsecond=0)
    snapshot = build_snapshot(period_figures(period), period.start, period.end, published_at)
    digest = snapshot_digest(snapshot)
    trail.record("audit_export", purpose_of_use=READ_PURPOSE,
                    details={"export": "transparency_snapshot", "period_start": period.start.isoformat(),
                             "period_end": period.end.isoformat(), "sha256": digest,
                             "tables": len(snapshot["tables"])})
    snapshot_id = save_snapshot(audit_db, published_at=published_at, start=period.start, end=period.end,
                                figures_json=snapshot_json(snapshot), sha256=digest)
    current_app.logger.info("transparency snapshot %s published", snapshot_id)
    return Published(snapshot_id, digest)


def list_published() -> list[tuple[int, datetime, Any, Any]]:
    return list_snapshots(audit_db)


def published(snapshot_id: int | None = None) -> PublishedSnapshot | None:
    return latest_snapshot(audit_db) if snapshot_id is None else get_snapshot(audit_db, snapshot_id)
