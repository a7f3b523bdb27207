"""`flask portal audit verify | head | export` through Flask's CLI runner."""

from __future__ import annotations

import csv
import io
import json

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text

from portal.audit import triggers
from portal.audit.head import verify_head
from portal.audit.queries import search_entries
from portal.extensions import audit_db
from tests.unit.ig.conftest import CHILD_CHI, OTHER_CHI, view


def _tamper(sql: str) -> None:
    """Change the store as someone with database rights could: triggers off, change, triggers back."""
    with audit_db.engine.begin() as connection:
        for statement in triggers.sqlite_drop_append_only_ddl():
            connection.exec_driver_sql(statement)
        connection.execute(text(sql))
        for statement in triggers.sqlite_append_only_ddl():
            connection.exec_driver_sql(statement)


def test_verify_passes_on_an_intact_chain(app, seed) -> None:  # type: ignore[no-untyped-def]
    entries = seed(view(), view(), view())
    result = app.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(entries)} entries" in result.output and entries[-1].entry_hash in result.output


def test_verify_fails_naming_the_first_changed_entry(app, seed) -> None:  # type: ignore[no-untyped-def]
    entries = seed(view(), view(), view(), view())
    _tamper(f"UPDATE audit_entries SET user_id = 'someone-else' WHERE sequence = {entries[1].sequence}")
    result = app.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {entries[1].sequence}" in result.output


def test_verify_detects_a_deleted_entry(app, seed) -> None:  # type: ignore[no-untyped-def]
    entries = seed(view(), view(), view())
    _tamper(f"DELETE FROM audit_entries WHERE sequence = {entries[1].sequence}")
    result = app.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    assert result.exit_code == 1 and f"entry {entries[2].sequence}" in result.output


def test_head_prints_a_signed_head_for_the_latest_entry(app, seed) -> None:  # type: ignore[no-untyped-def]
    last = seed(view(), view())[-1]
    result = app.test_cli_runner().invoke(args=["portal", "audit", "head"])
    assert result.exit_code == 0
    head = json.loads(result.output)
    assert head["sequence"] == last.sequence and head["entry_hash"] == last.entry_hash
    assert verify_head(head, app.config["AUDIT_HMAC_KEY"].encode())
    assert not verify_head(head, b"some-other-key-of-16-bytes")


def test_export_csv_to_a_file_filtered_by_child_is_recorded(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(view(chi=CHILD_CHI), view(chi=OTHER_CHI), view(chi=CHILD_CHI))
    out = tmp_path / "trail.csv"
    result = app.test_cli_runner().invoke(
        args=["portal", "audit", "export", "--format", "csv", "--child", CHILD_CHI, "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {row["subject_chi"] for row in rows} == {CHILD_CHI}
    assert [row["event_type"] for row in rows] == ["view_child", "view_child", "audit_export"]
    export = search_entries(audit_db, event_type="audit_export")[0]
    assert export.user_id.startswith("cli") and export.details["via"] == "cli"


def test_export_fhir_to_stdout_filtered_by_user_and_since(app, seed) -> None:  # type: ignore[no-untyped-def]
    seed(view("teacher"), view("health.visitor"))
    result = app.test_cli_runner().invoke(
        args=["portal", "audit", "export", "--format", "fhir", "--user", "teacher", "--since", "2020-01-01"])
    assert result.exit_code == 0, result.stderr
    bundle = Bundle.model_validate(json.loads(result.stdout))
    assert len(bundle.entry) == 1


def test_export_rejects_a_bad_chi_or_date(app) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    bad_chi = runner.invoke(args=["portal", "audit", "export", "--format", "csv", "--child", "123"])
    assert bad_chi.exit_code == 2 and "10 digits" in bad_chi.output
    bad_date = runner.invoke(args=["portal", "audit", "export", "--format", "csv", "--since", "last week"])
    assert bad_date.exit_code == 2 and "--since" in bad_date.output
    assert search_entries(audit_db, event_type="audit_export") == []


def test_verify_with_an_anchor_catches_entries_cut_off_the_end(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    entries = seed(view(), view(), view())
    runner = app.test_cli_runner()
    anchor = tmp_path / "head.json"
    anchor.write_text(runner.invoke(args=["portal", "audit", "head"]).output)
    assert runner.invoke(args=["portal", "audit", "verify", "--anchor", str(anchor)]).exit_code == 0
    _tamper(f"DELETE FROM audit_entries WHERE sequence = {entries[-1].sequence}")
    # The shortened chain is internally consistent: only the anchor shows entries are missing.
    assert runner.invoke(args=["portal", "audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["portal", "audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1 and f"entry {entries[-1].sequence}" in result.output


def test_verify_rejects_a_forged_anchor(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(view())
    runner = app.test_cli_runner()
    head = json.loads(runner.invoke(args=["portal", "audit", "head"]).output)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**head, "sequence": head["sequence"] - 1}))
    result = runner.invoke(args=["portal", "audit", "verify", "--anchor", str(forged)])
    assert result.exit_code == 1 and "Anchor REJECTED" in result.output
