"""Command line for the sandbox: `python -m sandbox serve|run|load-fhir …`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from sandbox.servers import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Sandbox agency systems")
    sub = parser.add_subparsers(dest="command", required=True)
    default_dir = os.environ.get("SANDBOX_DATA_DIR", "instance/sandbox")

    serve = sub.add_parser("serve", help="serve one agency system in the foreground")
    serve.add_argument("agency", choices=config.AGENCIES)
    serve.add_argument("--data-dir", type=Path, default=Path(default_dir))
    serve.add_argument("--port", type=int)
    serve.add_argument("--admin-port", type=int)

    run = sub.add_parser("run", help="start every agency system until Ctrl-C")
    run.add_argument("--data-dir", type=Path, default=Path(default_dir))

    load = sub.add_parser("load-fhir", help="load a FHIR R4 transaction bundle into the health store")
    load.add_argument("bundle", type=Path)
    load.add_argument("--chi", required=True)
    load.add_argument("--data-dir", type=Path, default=Path(default_dir))
    load.add_argument("--chi-system", default=os.environ.get("SANDBOX_CHI_SYSTEM", config.CHI_SYSTEM_URI))

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "run":
        return _run(args.data_dir)
    from sandbox.fhir_loader import load_bundle

    patient_id = load_bundle(args.data_dir, args.bundle, args.chi, args.chi_system)
    print(f"loaded Patient/{patient_id}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    port = args.port or config.port_for(args.agency)
    if args.agency == "social_work":
        from sandbox.servers.socialwork_admin import serve_social_work

        serve_social_work(args.data_dir, args.admin_port or port)
        return 0
    from sandbox.servers.serve import serve_http

    serve_http(args.agency, args.data_dir, port, args.admin_port or config.admin_port_for(args.agency))
    return 0


def _run(data_dir: Path) -> int:
    from sandbox.launcher import start_all

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with start_all(data_dir, show_logs=True) as handle:
        for agency in config.AGENCIES:
            print(f"{agency:12} {handle.urls[agency]}  (admin {handle.admin_urls[agency]})")
        print("sandbox running; Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
