"""`flask portal sandbox …`: build the demo cohort, list it, load FHIR bundles.

The sandbox is the outside world; only these commands reach into it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

sandbox_cli = AppGroup("sandbox", help="The simulated agency systems and their demo cohort.")


def _data_dir() -> Path:
    return Path(current_app.config["SETTINGS"].SANDBOX_DATA_DIR)


@sandbox_cli.command("build")
@click.option("--seed", default=20261122, show_default=True, type=int)
def build(seed: int) -> None:
    """Generate the deterministic demo cohort into every sandbox system."""
    from portal.demo import build_sandbox

    count = build_sandbox(_data_dir(), seed)
    click.echo(f"Sandbox cohort written: {count} children.")


@sandbox_cli.command("list-children")
@click.option("--json", "as_json", is_flag=True, help="Print JSON rather than a table.")
def list_children(as_json: bool) -> None:
    """Print the demo cohort: CHI, name, date of birth and scenario tags."""
    from sandbox.cohort import list_children as read_cohort

    children = read_cohort(_data_dir())
    if as_json:
        click.echo(json.dumps(children, indent=2))
        return
    for child in children:
        click.echo(
            f"{child.get('chi') or '-':<11} {child['forename']} {child['surname']:<20} "
            f"{child['birth_date']}  {','.join(child.get('tags', []))}"
        )


@sandbox_cli.command("load-fhir")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chi", required=True, help="The CHI number to give the bundle's Patient.")
def load_fhir(path: Path, chi: str) -> None:
    """Load a FHIR R4 transaction bundle into the health sandbox, adding a CHI to its Patient."""
    from portal.record.identify import validate_chi
    from sandbox.fhir_loader import load_bundle

    check = validate_chi(chi)
    if check.value is None:  # not valid
        raise click.BadParameter(check.reason or "invalid CHI", param_hint="--chi")
    patient_id = load_bundle(_data_dir(), path, check.value)
    click.echo(f"Loaded {path.name} as Patient/{patient_id}.")
