"""`flask portal …` commands: database set-up, demo seed, sandbox, audit, relationships."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask.globals import app_ctx

portal_cli = AppGroup("portal", help="Single Child View administration commands.")


@portal_cli.command("db-upgrade")
def db_upgrade() -> None:
    """Run the migrations for the configuration database and the audit store."""
    from portal.audit.store import upgrade_audit_store
    from portal.migrations import upgrade_database

    upgrade_database(current_app.config["DATABASE_URL"])
    upgrade_audit_store(current_app.config["AUDIT_DATABASE_URL"])
    click.echo("Databases are up to date.")


@portal_cli.command("seed-demo")
def seed_demo() -> None:
    """Create the demo organisations and accounts (demo mode only)."""
    from portal.demo import DEMO_PASSWORD, seed_demo_accounts, seed_demo_relationships

    if current_app.config["PORTAL_ENV"] != "demo":
        raise click.ClickException("Demo accounts are only created when PORTAL_ENV=demo.")
    settings = current_app.config["SETTINGS"]
    accounts = seed_demo_accounts(settings)
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}): " + ", ".join(accounts))
    cohort_file = Path(settings.SANDBOX_DATA_DIR) / "cohort.json"
    if cohort_file.exists():
        cohort = json.loads(cohort_file.read_text())
        created = seed_demo_relationships(cohort, Path(settings.INSTANCE_PATH))
        click.echo(f"Demo relationships: {created} added.")


@portal_cli.command("serve-demo")
@click.option("--port", default=5000, show_default=True, type=int)
def serve_demo(port: int) -> None:
    """Start the sandbox agencies and serve the portal on 127.0.0.1 until Ctrl-C."""
    from portal.demo import serve_demo as serve

    serve(app_ctx.app, port)  # the app itself, not the current_app proxy: the server outlives this context


relationships_cli = AppGroup("relationships", help="Legitimate relationships between practitioners and children.")


@relationships_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_relationships(path: str) -> None:
    """Import relationships from a CSV file: all rows, or none if any row is wrong."""
    from portal.data.relationship_import import import_relationships_file

    report = import_relationships_file(path)
    for error in report.errors:
        click.echo(f"{path}, line {error.line}: {error.message}", err=True)
    if not report.ok:
        raise click.ClickException(f"Nothing imported: {len(report.errors)} problem(s) found.")
    noun = "relationship" if report.created == 1 else "relationships"
    click.echo(f"Imported {report.created} {noun}; {report.skipped} already present.")


connectors_cli = AppGroup("connectors", help="The agency connectors configuration (CONNECTORS_FILE).")


@connectors_cli.command("schema")
def connectors_schema() -> None:
    """Print the reference of every connectors-config key as Markdown (docs/connectors.md)."""
    from connectors.kinds import connector_kinds
    from connectors.reference import markdown

    click.echo(markdown(connector_kinds()), nl=False)


@connectors_cli.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
def connectors_check(path: str | None) -> None:
    """Validate a connectors file (default CONNECTORS_FILE) without starting anything."""
    import os

    from connectors.errors import ConfigurationError
    from connectors.registry import read_config, unset_variables

    target = Path(path) if path else current_app.config["SETTINGS"].CONNECTORS_FILE
    try:
        config = read_config(target, os.environ)
    except ConfigurationError as error:
        raise click.ClickException(error.reason) from None
    click.echo(f"{target}: {len(config.enabled)} agencies configured, no problems found.")
    for line in unset_variables(config, os.environ):
        click.echo(f"Note: {line} here (connectors read credentials when first used).")


def register_cli(app: Flask) -> None:
    from portal.cli_audit import audit_cli
    from portal.cli_notifications import notifications_cli, sso_cli
    from portal.cli_sandbox import sandbox_cli
    from portal.cli_transparency import transparency_cli

    portal_cli.add_command(sandbox_cli)
    portal_cli.add_command(relationships_cli)
    portal_cli.add_command(connectors_cli)
    portal_cli.add_command(audit_cli)
    portal_cli.add_command(notifications_cli)
    portal_cli.add_command(sso_cli)
    portal_cli.add_command(transparency_cli)
    app.cli.add_command(portal_cli)
