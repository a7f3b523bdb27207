"""The social work process: no HTTP API of its own (connectors use SQL), only the admin port.

It turns fault requests into SQL changes on the case system (SQLite file by default;
PostgreSQL when `SANDBOX_SOCIAL_WORK_DB_URL` is a postgresql:// URL) and undoes them on
clear and on shutdown, so the store is left as it was found.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from sandbox.servers import config
from sandbox.servers.admin import make_admin_app
from sandbox.servers.faults import SQL_MODES, FaultSpec, FaultState, parse_fault_text
from sandbox.servers.listener import Listener
from sandbox.servers.serve import wait_for_stop_signal
from sandbox.servers.sql_faults import SqliteFaults
from sandbox.servers.sql_faults_pg import PostgresFaults


def make_sql_faults(data_dir: Path, env: Mapping[str, str]) -> SqliteFaults | PostgresFaults:
    """The fault applier for the configured social work database."""
    url = env.get("SANDBOX_SOCIAL_WORK_DB_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        from sandbox.stores.socialwork import libpq_url

        return PostgresFaults(
            libpq_url(url),
            schema=env.get("SANDBOX_SOCIAL_WORK_PG_SCHEMA", "socialwork"),
            reader_role=env.get("SANDBOX_SOCIAL_WORK_PG_READER", "portal_reader"),
        )
    path = data_dir / config.STORE_FILES["social_work"]
    if not path.exists() and not path.with_name(path.name + ".refused").exists():
        raise FileNotFoundError(f"sandbox store missing: {path}")
    return SqliteFaults(path)


def serve_social_work(data_dir: Path, admin_port: int, env: Mapping[str, str] | None = None) -> None:
    """Serve the social work admin port until SIGTERM/SIGINT, clearing any fault on the way out."""
    env = os.environ if env is None else env
    sql_faults = make_sql_faults(data_dir, env)
    sql_faults.clear()  # repair leftovers from a previous run that did not stop cleanly
    faults = FaultState()
    lock = threading.Lock()

    def apply(spec: FaultSpec | None) -> None:
        with lock:  # one DDL change at a time
            sql_faults.apply(spec)
            faults.set(spec)

    initial = parse_fault_text(env.get(config.env_name("social_work", "fault"), ""), SQL_MODES)
    if initial is not None:
        apply(initial)
    credentials = config.Credentials.from_env(env)
    admin = Listener(make_admin_app("social_work", faults, None, credentials.admin_key, SQL_MODES, apply), admin_port)
    admin.open()
    stopping = threading.Event()
    try:
        wait_for_stop_signal(stopping)
    finally:
        admin.close()
        with lock:
            sql_faults.clear()
