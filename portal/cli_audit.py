"""`flask portal audit …`: verify the chain, print the signed head, export the trail.

Schedule `verify` (see the report for the cron line) so a broken chain alerts IG
without anyone remembering to look.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from typing import TextIO

import click
from flask import current_app
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="Check, anchor and export the tamper-evident audit trail.")


@audit_cli.command("verify")
@click.option("--anchor", type=click.File("r", encoding="utf-8"),
              help="a head saved earlier from `audit head`: it must be genuine and still be in the chain")
@click.option("--since-anchor", is_flag=True,
              help="check only the entries written after the (previously verified) anchored head")
def verify(anchor: TextIO | None, since_anchor: bool) -> None:
    """Check every entry's hashes and sequence; exit 1 naming the first broken entry."""
    from portal.audit.head import verify_head
    from portal.audit.verify import verify_chain, verify_since_anchor
    from portal.extensions import audit_db

    anchored = None
    if anchor is not None:
        try:
            anchored = json.loads(anchor.read())
        except ValueError:
            anchored = None
        key = str(current_app.config["AUDIT_HMAC_KEY"]).encode("utf-8")
        if not isinstance(anchored, dict) or not verify_head(anchored, key):
            click.echo("Anchor REJECTED: it is not a head signed with this portal's key", err=True)
            sys.exit(1)
    if since_anchor and anchored is None:
        raise click.UsageError("--since-anchor needs --anchor: the signed head to verify from")
    result = verify_since_anchor(audit_db, anchored) if since_anchor and anchored else verify_chain(
        audit_db, anchor=anchored)
    if not result.ok:
        click.echo(f"Audit trail BROKEN at entry {result.first_bad_sequence}: {result.problem} "
                   f"({result.entries_checked} entries verified before it)", err=True)
        sys.exit(1)
    if since_anchor and anchored:
        click.echo(f"Audit trail verified from anchored entry {anchored['sequence']}: "
                   f"{max(0, result.entries_checked - 1)} entries written since, head {result.last_sequence} "
                   f"{result.last_hash}")
        return
    click.echo(f"Audit trail verified: {result.entries_checked} entries, head {result.last_sequence} "
               f"{result.last_hash}")


@audit_cli.command("head")
def head() -> None:
    """Print the current sequence, hash and HMAC as one JSON line, to keep somewhere the portal cannot write."""
    from portal.audit.head import signed_head
    from portal.extensions import audit_db

    key = str(current_app.config["AUDIT_HMAC_KEY"]).encode("utf-8")
    click.echo(json.dumps(signed_head(audit_db, key), sort_keys=True))


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use a date like 2026-03-27 or an ISO time", param_hint="--since") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli"


@audit_cli.command("export")
@click.option("--format", "export_format", type=click.Choice(["csv", "fhir"]), required=True)
@click.option("--child", help="only entries about this CHI")
@click.option("--user", help="only entries by this user id")
@click.option("--since", help="only entries at or after this date (UTC), e.g. 2026-03-27")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="file to write (default stdout)")
def export(export_format: str, child: str | None, user: str | None, since: str | None, output: TextIO) -> None:
    """Export the trail as CSV or as a FHIR R4 Bundle of AuditEvents (IHE BALP shaped)."""
    from portal.audit.entry import AuditInput
    from portal.audit.export import export_csv, write_fhir_bundle
    from portal.audit.models import EventType
    from portal.audit.writer import AuditUnavailable, AuditWriter
    from portal.extensions import audit_db
    from portal.record.identify import validate_chi

    if child is not None:
        check = validate_chi(child)
        if check.value is None:
            raise click.BadParameter(check.reason or "not a valid CHI", param_hint="--child")
        child = check.value
    since_time = _parse_since(since)
    details = {"export": export_format, "via": "cli", "user": user, "since": since}
    try:
        # Exporting is reading the trail: recorded first, and no export if it cannot be.
        AuditWriter(audit_db).record(AuditInput(event_type=EventType.AUDIT_EXPORT, user_id=_operator(),
                                                subject_chi=child, purpose_of_use="HOPERAT", details=details))
    except AuditUnavailable as error:
        raise click.ClickException(f"not exporting: {error}") from None
    if export_format == "csv":
        written = export_csv(audit_db, output, child=child, user=user, since=since_time)
    else:
        written = write_fhir_bundle(audit_db, output, child=child, user=user, since=since_time)
    click.echo(f"Exported {written} entries.", err=True)
