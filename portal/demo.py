"""Demo mode: the accounts, the sandbox cohort and the one-command server behind `make run`."""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import sys
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask

from portal.config import PROJECT_ROOT, Settings
from portal.data.users import get_or_create_organisation, upsert_user

DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo mode only, refused in production by seed_demo_accounts
DEMO_EMAIL_DOMAIN = "glenmorven.example"
SYNTHEA_DIR = PROJECT_ROOT.parent / "shared" / "fixtures" / "fhir" / "synthea"

# username, display name, role, (agency, organisation, team)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, tuple[str, str, str]], ...] = (
    ("lead.professional", "Alex Morrison", "lead_professional",
     ("social_work", "Glenmorven Council Social Work", "Children and Families East")),
    ("health.visitor", "Jo Campbell", "practitioner", ("health", "NHS Glenmorven", "Health Visiting North")),
    ("teacher", "Sam Reid", "practitioner", ("education", "Glenmorven Council Education", "Kilbrae Primary School")),
    ("police.concern", "Chris Baird", "practitioner", ("police", "Police Scotland", "Glenmorven Concern Hub")),
    ("ig.officer", "Pat Henderson", "ig_officer",
     ("portal", "Glenmorven Children's Services Partnership", "Information Governance")),
    ("admin", "Robin Shaw", "admin", ("portal", "Glenmorven Children's Services Partnership", "Portal Administration")),
)

# Synthea children get CHIs valid under Mod-11 whose DDMMYY matches their birth date.
SYNTHEA_CHIS = {
    "Luigi_Wiegand": "2010204204",
    "Noel_Reynolds": "2401194207",
    "Jake_Fay": "3007164206",
    "Daisey_Johns": "0404154204",
    "Gerardo_Botello": "0709104200",
    "Emanuel_Carroll": "0809144204",
}


def seed_demo_accounts(settings: Settings) -> list[str]:
    """Create (or refresh) every demo account with the demo password. Refuses outside demo mode."""
    if settings.PORTAL_ENV != "demo":
        raise RuntimeError("demo accounts exist only in demo mode")
    created = []
    for username, display_name, role, (agency, organisation, team) in DEMO_ACCOUNTS:
        org_id = get_or_create_organisation(agency, organisation, team)
        upsert_user(username, display_name, role, org_id, DEMO_PASSWORD, email=f"{username}@{DEMO_EMAIL_DOMAIN}")
        created.append(username)
    return created


RELATIONSHIP_COLUMNS = "child_chi,basis,holder_type,username,agency,team,starts_on,ends_on"


def demo_relationship_rows(cohort: list[dict[str, Any]], today: date) -> list[str]:
    """Who holds a legitimate relationship with which demo child, as CSV rows.

    The lead professional's team works with every child; the health visitor holds the
    pre-school children and everyone with restricted health items; the teacher is named
    person for some school-age children but never for the multi-agency story children
    (so the break-glass journey has someone to refuse); the police concern hub holds
    time-limited child protection enquiries for the story children, whose lead professional is
    `lead.professional`.
    """
    cohort = [*cohort, *({"chi": chi, "birth_date": f"20{chi[4:6]}-{chi[2:4]}-{chi[0:2]}", "tags": ["synthea"]}
                         for chi in SYNTHEA_CHIS.values())]
    start = (today - timedelta(days=365)).isoformat()
    enquiry_end = (today + timedelta(days=30)).isoformat()
    rows = []
    for index, child in enumerate(c for c in cohort if c.get("chi")):
        chi, tags = child["chi"], set(child.get("tags", ()))
        rows.append(f"{chi},team_around_child,team,,social_work,Children and Families East,{start},")
        age = (today - date.fromisoformat(child["birth_date"])).days / 365.25
        if age < 5 or tags & {"restricted", "very_restricted", "synthea"}:
            rows.append(f"{chi},health_visitor,user,health.visitor,,,{start},")
        if 5 <= age < 17 and index % 3 == 0 and "multi_agency" not in tags:
            rows.append(f"{chi},named_person,user,teacher,,,{start},")
        if "multi_agency" in tags:
            rows.append(f"{chi},cp_enquiry,team,,police,Glenmorven Concern Hub,{start},{enquiry_end}")
            # The story children have a named lead professional, who is told when anyone breaks the glass.
            rows.append(f"{chi},lead_professional,user,lead.professional,,,{start},")
    return rows


def seed_demo_relationships(cohort: list[dict[str, Any]], folder: Path, today: date | None = None) -> int:
    """Write the demo relationships as CSV and import them through the admins' validated path."""
    from portal.data.relationship_import import import_relationships_file

    path = folder / "demo-relationships.csv"
    path.write_text("\n".join([RELATIONSHIP_COLUMNS, *demo_relationship_rows(cohort, today or date.today())]) + "\n")
    report = import_relationships_file(path)
    path.unlink()
    if not report.ok:
        raise RuntimeError("demo relationships did not import: " + "; ".join(e.message for e in report.errors[:3]))
    return report.created


def build_sandbox(data_dir: Path, seed: int) -> int:
    """Write the cohort into every sandbox system, then load the Synthea children where present."""
    from sandbox.cohort import generate, list_children, write
    from sandbox.fhir_loader import load_bundle

    write(generate(seed=seed), data_dir)
    if SYNTHEA_DIR.is_dir():
        for bundle in sorted(SYNTHEA_DIR.glob("*.json")):
            chi = SYNTHEA_CHIS.get("_".join(bundle.stem.split("_")[:2]))
            if chi:
                load_bundle(data_dir, bundle, chi)
    return len(list_children(data_dir))


def fresh_sandbox_credentials() -> dict[str, str]:
    """New random credentials for one run: the sandbox accepts them, the connectors present them, none on disk."""
    return {
        "SANDBOX_HEALTH_TOKEN": secrets.token_urlsafe(24),
        "SANDBOX_EDUCATION_API_KEY": secrets.token_urlsafe(24),
        "SANDBOX_POLICE_CLIENT_ID": "single-child-view",
        "SANDBOX_POLICE_CLIENT_SECRET": secrets.token_urlsafe(24),
        "SANDBOX_SCRA_API_KEY": secrets.token_urlsafe(24),
        "SANDBOX_ADMIN_KEY": secrets.token_urlsafe(24),
    }


def connector_environment(urls: dict[str, str], data_dir: Path, credentials: dict[str, str]) -> dict[str, str]:
    """What config/connectors.toml reads: where each sandbox system listens, and its credentials."""
    police_root = urls["police"].rsplit("/api", 1)[0]
    return {
        **credentials,
        "SANDBOX_DATA_DIR": str(data_dir),
        "SANDBOX_HEALTH_URL": urls["health"],
        "SANDBOX_EDUCATION_URL": urls["education"],
        "SANDBOX_POLICE_URL": urls["police"],
        "SANDBOX_POLICE_TOKEN_URL": f"{police_root}/oauth/token",
        "SANDBOX_SCRA_URL": urls["scra"],
    }


def serve_demo(app: Flask, port: int) -> None:
    """Run the sandbox agencies and the portal in the foreground; Ctrl-C, SIGTERM or SIGHUP stops both.

    Systems left running by an earlier run that crashed are stopped first (only those the PID file
    in the instance folder proves are ours); ports held by anything else stop the run, named.
    """
    import click
    from waitress import serve

    from sandbox.launcher import planned_ports, start_all
    from sandbox.stale import (
        PortsHeld,
        ensure_ports_free,
        forget_processes,
        pid_file,
        record_processes,
        stop_stale_processes,
    )

    settings: Settings = app.config["SETTINGS"]
    data_dir = Path(settings.SANDBOX_DATA_DIR)
    pids = pid_file(settings.INSTANCE_PATH)
    for stopped in stop_stale_processes(pids):
        print(f"Stopped a sandbox system an earlier run left behind: {stopped}", flush=True)
    try:
        ensure_ports_free(planned_ports())
    except PortsHeld as error:
        raise click.ClickException(str(error)) from None
    credentials = fresh_sandbox_credentials()
    handle = start_all(data_dir, env=credentials, die_with_parent=True)
    record_processes(pids, handle.processes)
    # The connector registry is built on first use, from the environment: point it at this sandbox.
    os.environ.update(connector_environment(handle.urls, data_dir, credentials))

    def _stop_agencies() -> None:
        handle.stop()
        forget_processes(pids)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        _stop_agencies()
        sys.exit(0)

    atexit.register(_stop_agencies)  # a normal exit, or an exception on the way out
    signal.signal(signal.SIGTERM, _stop)
    # Ctrl-C too, explicitly: a run started from a shell without job control (`make run &`, a script) inherits
    # SIGINT as ignored, and Python then raises no KeyboardInterrupt, so the run would not stop.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGHUP, _stop)  # the terminal closed
    print(f"\nSingle Child View (demo) at http://127.0.0.1:{port}")
    print(f"Sign in as any of: {', '.join(a[0] for a in DEMO_ACCOUNTS)} — password: {DEMO_PASSWORD}\n", flush=True)
    try:
        serve(app, host="127.0.0.1", port=port, threads=8, ident="portal")
    finally:
        _stop_agencies()
