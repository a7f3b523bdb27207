"""Benchmark: the transparency tool and the IG dashboard over a million-entry trail on PostgreSQL. (Not a test.)

    .venv/bin/python -m bench.transparency_bench                  # 1,000,000 entries over a year
    .venv/bin/python -m bench.transparency_bench --entries 100000
    .venv/bin/python -m bench.transparency_bench --database NAME  # reuse one kept by --keep: no load

Loads a year of synthetic, correctly chained entries into a throwaway PostgreSQL
database with COPY, then times each page through the real app (signed in as an IG
officer, over the Flask test client: no network, all of the view, SQL and template),
the published snapshot, and the chain checks: a full verify and an incremental one
from a head anchored 10,000 entries before the end. Prints one results table, then the
database's own time for the IG dashboard and the period pages (`bench/db_time.py`),
which a shared machine inflates far less than wall time, and the portal's CPU time per page. Each table
is printed with the load average at that moment.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select

from bench.db_time import page_database_ms
from bench.synthetic_trail import load
from portal.audit.models import audit_entries
from portal.audit.verify import verify_chain, verify_since_anchor
from portal.audit.viewer_children import uk_midnight

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_S = 1.0


@contextmanager
def throwaway_database(keep: bool) -> Iterator[str]:
    name = f"transparency_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def bench_database(keep: bool, reuse: str | None) -> Iterator[str]:
    """A new throwaway database, or `reuse` (already loaded, left in place)."""
    if reuse:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{reuse}"
        return
    with throwaway_database(keep) as url:
        yield url


def vacuum(url: str, table: str = "audit_entries") -> None:
    """What autovacuum does after a bulk insert: statistics and the visibility map (for index-only scans); `table`
    "" for every table (the rollup's, after summarising)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    engine.dispose()


def publish_breakdown(app: Flask, days: int) -> list[Row]:
    """The publishing POST's parts, each timed alone: the period's figures, the suppressed snapshot, its JSON and
    digest (the rest of the POST is the audit record, the stored row and the redirect)."""
    from portal.audit.flow_queries import flows_for_period
    from portal.extensions import audit_db
    from portal.transparency.publication import build_snapshot, snapshot_digest, snapshot_json

    today = datetime.now(UTC).date()
    start = today - timedelta(days=days - 1)
    since, until = uk_midnight(start), uk_midnight(today + timedelta(days=1))
    label = f"last {days} days"
    with app.app_context():
        figures_s, flows = timed(lambda: flows_for_period(audit_db, since, until))
        build_s, snapshot = timed(lambda: build_snapshot(flows, start, today, datetime.now(UTC)))  # type: ignore[arg-type]
        json_s = timed(lambda: snapshot_digest(snapshot) + snapshot_json(snapshot))[0]  # type: ignore[arg-type]
    return [("  publish: the period's figures", label, figures_s),
            ("  publish: build with suppression", label, build_s), ("  publish: JSON and SHA-256", label, json_s)]


def timed(action: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def period_args(days: int) -> str:
    today = datetime.now(UTC).date()
    start = today - timedelta(days=days - 1)
    return (f"from-day={start.day}&from-month={start.month}&from-year={start.year}"
            f"&to-day={today.day}&to-month={today.month}&to-year={today.year}")


def sign_in(client: FlaskClient) -> None:
    from tests.conftest import extract_csrf
    from tests.support.accounts import TEST_PASSWORD

    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"username": "ig.officer", "password": TEST_PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 302, "bench sign-in failed"


def get(client: FlaskClient, path: str) -> Callable[[], int]:
    def fetch() -> int:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return len(response.get_data())
    return fetch


def publish(client: FlaskClient, days: int) -> Callable[[], int]:
    from tests.conftest import extract_csrf

    # The session's token, fetched once from a light page: the timed POST is the publishing alone.
    token = extract_csrf(client.get("/transparency/publish?from-day=x").get_data(as_text=True))

    def post() -> int:
        form = dict(pair.split("=") for pair in period_args(days).split("&"))
        response = client.post("/transparency/publish", data={**form, "confirm": "yes", "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"publish answered {response.status_code}")
        return 0
    return post


Row = tuple[str, str, float]
DbRow = tuple[str, str, float, int, float]


def run(entries: int, keep: bool, skip_verify: bool = False, skip_before: bool = False,
        reuse: str | None = None) -> tuple[list[Row], list[DbRow]]:
    from portal import create_app
    from portal.audit.store import upgrade_audit_store
    from portal.config import Settings
    from portal.migrations import upgrade_database
    from tests.support.accounts import create_accounts

    rows: list[Row] = []
    database_rows: list[DbRow] = []
    with bench_database(keep, reuse) as url, tempfile.TemporaryDirectory() as folder:
        upgrade_database(url)
        migrate_s = timed(lambda: upgrade_audit_store(url))[0]
        engine = create_engine(url)
        if reuse:
            rows.append(("audit store migrations (new indexes)", f"database {reuse}", migrate_s))
        else:
            print(f"loading {entries:,} entries with COPY …", flush=True)
            load_s = load(engine, entries, end=datetime.now(UTC) - timedelta(minutes=5))
            rows.append(("load (build, hash, COPY, ANALYZE)", f"{entries:,} entries", load_s))
        rows.append(("VACUUM (ANALYZE) audit_entries", "as autovacuum would", timed(lambda: vacuum(url))[0]))
        settings = Settings(PORTAL_ENV="test", DATABASE_URL=url, SECRET_KEY="bench-" + "x" * 40,
                            AUDIT_HMAC_KEY="bench-audit-hmac-key", INSTANCE_PATH=Path(folder),
                            TRANSPARENCY_PUBLIC=True)  # type: ignore[call-arg]
        app = create_app(settings)
        with app.app_context():
            create_accounts()
        client = app.test_client()
        sign_in(client)
        for name, path in (("flows and stoppages page", "/transparency/?"),
                           ("governance page", "/transparency/governance?")):
            for days in (() if skip_before else (30, 365)):
                rows.append((f"{name}, no rollup", f"last {days} days",
                             timed(get(client, f"{path}{period_args(days)}"))[0]))
        from portal.audit.rollup import summarise_days

        summarise_s, summarised = timed(lambda: summarise_days(engine))
        rows.append(("rollup: summarise every past day", f"{len(summarised):,} days", summarise_s))  # type: ignore[arg-type]
        rows.append(("rollup: rerun (nothing new)", "0 days", timed(lambda: summarise_days(engine))[0]))
        rows.append(("VACUUM (ANALYZE) everything", "the rollup's tables too", timed(lambda: vacuum(url, ""))[0]))
        for days in (30, 90, 365):
            args = period_args(days)
            label = f"last {days} days"
            for name, action in (
                ("flows and stoppages page", get(client, f"/transparency/?{args}")),
                ("governance page", get(client, f"/transparency/governance?{args}")),
                ("review-and-publish page", get(client, f"/transparency/publish?{args}")),
                ("publish snapshot (POST)", publish(client, days)),
            ):
                if days <= 90:
                    action()  # warm the caches once, as a second visitor would find them (not for a year: too long)
                rows.append((name, label, timed(action)[0]))
            rows += publish_breakdown(app, days)
            with app.app_context():
                from portal.audit.snapshots import latest_snapshot
                from portal.extensions import audit_db

                snapshot_id = latest_snapshot(audit_db).id  # type: ignore[union-attr]
            rows.append(("public page", label, timed(get(client, f"/transparency/public/{snapshot_id}"))[0]))
            rows.append(("open data CSV", label, timed(get(client, f"/transparency/public/{snapshot_id}.csv"))[0]))
        for days in (7, 30, 90, 365):
            fetch = get(client, f"/ig/dashboard?days={days}")
            fetch()
            rows.append(("IG dashboard (charts and flags)", f"last {days} days", timed(fetch)[0]))
        with app.app_context():
            from portal.extensions import audit_db

            audit_engine = audit_db.engine
        for days in (7, 30, 90, 365):
            database_rows.append(("IG dashboard", f"last {days} days",
                                  *page_database_ms(audit_engine, get(client, f"/ig/dashboard?days={days}"))))
        for name, path in (("governance page", "/transparency/governance?"), ("flows page", "/transparency/?"),
                           ("review-and-publish page", "/transparency/publish?")):
            for days in (30, 90, 365):
                database_rows.append((name, f"last {days} days", *page_database_ms(
                    audit_engine, get(client, f"{path}{period_args(days)}"))))
        if skip_verify:
            engine.dispose()
            return rows, database_rows
        full_s, full = timed(lambda: verify_chain(engine, batch_size=5000))
        rows.append(("verify: full chain", f"{full.entries_checked:,} entries, ok={full.ok}", full_s))  # type: ignore[attr-defined]
        with engine.connect() as connection:
            head = connection.execute(select(audit_entries.c.sequence).order_by(audit_entries.c.sequence.desc())
                                      .limit(1)).scalar_one()
            anchored = head - 10_000
            anchor_hash = connection.execute(select(audit_entries.c.entry_hash)
                                             .where(audit_entries.c.sequence == anchored)).scalar_one()
        since_s, since = timed(lambda: verify_since_anchor(engine, {"sequence": anchored, "entry_hash": anchor_hash},
                                                           batch_size=5000))
        rows.append(("verify: since a head 10,000 back", f"{since.entries_checked - 1:,} entries, ok={since.ok}",  # type: ignore[attr-defined]
                     since_s))
        engine.dispose()
        from tests.conftest import dispose_engines

        dispose_engines()
    return rows, database_rows


def print_load() -> None:
    print(f"\nload average (1, 5, 15 min): {' / '.join(f'{value:.1f}' for value in os.getloadavg())}")


def print_table(rows: list[Row]) -> None:
    print_load()
    print(f"| {'what':<36} | {'over':<28} | {'time':>9} |")
    print(f"|{'-' * 38}|{'-' * 30}|{'-' * 11}|")
    for name, over, seconds in rows:
        flag = " *" if "page" in name and seconds > TARGET_S else ""
        print(f"| {name:<36} | {over:<28} | {seconds:>7.2f} s |{flag}")
    print("\n* over the 1 s target")


def print_database_table(rows: list[DbRow]) -> None:
    print_load()
    print(f"| {'page: PostgreSQL planning + execution':<38} | {'over':<14} | {'database':>11} | statements "
          f"| {'portal CPU':>11} |")
    print(f"|{'-' * 40}|{'-' * 16}|{'-' * 13}|{'-' * 12}|{'-' * 13}|")
    for name, over, ms, count, cpu_ms in rows:
        print(f"| {name:<38} | {over:<14} | {ms:>8.0f} ms | {count:>10} | {cpu_ms:>8.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (its name is printed)")
    parser.add_argument("--skip-verify", action="store_true", help="time the pages only, not the chain checks")
    parser.add_argument("--skip-before", action="store_true", help="do not time the pages before the rollup")
    parser.add_argument("--database", help="reuse this database, loaded by an earlier --keep run (kept again)")
    options = parser.parse_args()
    rows, database_rows = run(options.entries, options.keep, options.skip_verify, options.skip_before, options.database)
    print_table(rows)
    print_database_table(database_rows)


if __name__ == "__main__":
    main()
