"""Demo mode: the accounts, the sandbox cohort and the one-command server behind `make run`."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

from flask import Flask

from portal.config import PROJECT_ROOT, Settings
from portal.data.users import get_or_create_organisation, upsert_user

DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo mode only, refused in production by seed_demo_accounts
DEMO_EMAIL_DOMAIN = "fernbrae.example"
SYNTHEA_DIR = PROJECT_ROOT.parent / "shared" / "fixtures" / "fhir" / "synthea"

# username, display name, role, (agency, organisation, team)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, tuple[str, str, str]], ...] = (
    ("lead.professional", "Alex Morrison", "lead_professional",
     ("social_work", "Fernbrae Council Social Work", "Children and Families East")),
    ("health.visitor", "Jo Campbell", "practitioner", ("health", "NHS Fernbrae", "Health Visiting North")),
    ("teacher", "Sam Reid", "practitioner", ("education", "Fernbrae Council Education", "Kilbrae Primary School")),
    ("police.concern", "Chris Baird", "practitioner", ("police", "Police Scotland", "Fernbrae Concern Hub")),
    ("ig.officer", "Pat Henderson", "ig_officer",
     ("portal", "Fernbrae Children's Services Partnership", "Information Governance")),
    ("admin", "Robin Shaw", "admin", ("portal", "Fernbrae Children's Services Partnership", "Portal Administration")),
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


def serve_demo(app: Flask, port: int) -> None:
    """Run the sandbox agencies and the portal in the foreground; Ctrl-C stops both."""
    from waitress import serve

    from sandbox.launcher import start_all

    settings: Settings = app.config["SETTINGS"]
    handle = start_all(Path(settings.SANDBOX_DATA_DIR))

    def _stop(signum: int, _frame: FrameType | None) -> None:
        handle.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    print(f"\nSingle Child View (demo) at http://127.0.0.1:{port}")
    print(f"Sign in as any of: {', '.join(a[0] for a in DEMO_ACCOUNTS)} — password: {DEMO_PASSWORD}\n", flush=True)
    try:
        serve(app, host="127.0.0.1", port=port, threads=8, ident="portal")
    finally:
        handle.stop()
