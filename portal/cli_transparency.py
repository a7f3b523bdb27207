"""`flask portal transparency rollup`: summarise whole past UTC days of the audit trail for the period pages.

Run it from cron (daily, after midnight UTC, is enough): it summarises only days not yet
summarised, so reruns and overlapping runs are harmless. Pages stay correct without it
(they read the raw trail for any day not summarised); they are only slower.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

transparency_cli = AppGroup("transparency", help="Daily summaries behind the transparency tool's period pages.")


@transparency_cli.command("rollup")
def rollup() -> None:
    """Summarise every whole UTC day before today that is not yet summarised."""
    from portal.audit.rollup import summarise_days
    from portal.extensions import audit_db

    days = summarise_days(audit_db)
    if days:
        click.echo(f"Summarised {len(days)} day(s): {days[0].isoformat()} to {days[-1].isoformat()}.")
    else:
        click.echo("Nothing to summarise: every whole past day is already summarised.")
