"""`flask portal audit verify --anchor head.json --since-anchor`: only what was written after a verified head."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import text

from portal.audit import triggers
from portal.extensions import audit_db
from tests.unit.ig.conftest import view


def _tamper(sql: str) -> None:
    """Change the store as someone with database rights could: triggers off, change, triggers back."""
    with audit_db.engine.begin() as connection:
        for statement in triggers.sqlite_drop_append_only_ddl():
            connection.exec_driver_sql(statement)
        connection.execute(text(sql))
        for statement in triggers.sqlite_append_only_ddl():
            connection.exec_driver_sql(statement)


def _anchor(app: Flask, folder: Path) -> Path:
    path = folder / "head.json"
    path.write_text(app.test_cli_runner().invoke(args=["portal", "audit", "head"]).output)
    return path


def _verify(app: Flask, anchor: Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["portal", "audit", "verify", "--anchor", str(anchor), "--since-anchor"])


def test_checks_only_the_entries_written_since_the_anchor(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(view(), view(), view())
    anchor = _anchor(app, tmp_path)
    later = seed(view(), view())
    result = _verify(app, anchor)
    assert result.exit_code == 0, result.output
    assert "from anchored entry 3: 2 entries written since" in result.output
    assert later[-1].entry_hash in result.output


def test_a_change_after_the_anchor_is_caught(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed(view(), view())
    anchor = _anchor(app, tmp_path)
    later = seed(view(), view(), view())
    _tamper(f"UPDATE audit_entries SET user_id = 'someone-else' WHERE sequence = {later[1].sequence}")
    result = _verify(app, anchor)
    assert result.exit_code == 1 and f"BROKEN at entry {later[1].sequence}" in result.output


def test_a_changed_or_missing_anchored_entry_is_caught(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    entries = seed(view(), view())
    anchor = _anchor(app, tmp_path)
    seed(view())
    _tamper(f"UPDATE audit_entries SET organisation = 'elsewhere' WHERE sequence = {entries[-1].sequence}")
    changed = _verify(app, anchor)
    assert changed.exit_code == 1 and "does not match its contents" in changed.output
    _tamper(f"DELETE FROM audit_entries WHERE sequence >= {entries[-1].sequence}")
    cut = _verify(app, anchor)
    assert cut.exit_code == 1 and "is missing" in cut.output


def test_earlier_entries_are_left_to_the_full_check(app, seed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Incremental means not re-reading the verified past: a full verify is what re-checks it."""
    entries = seed(view(), view(), view())
    anchor = _anchor(app, tmp_path)
    seed(view())
    _tamper(f"UPDATE audit_entries SET user_id = 'someone-else' WHERE sequence = {entries[0].sequence}")
    assert _verify(app, anchor).exit_code == 0
    full = app.test_cli_runner().invoke(args=["portal", "audit", "verify", "--anchor", str(anchor)])
    assert full.exit_code == 1 and f"BROKEN at entry {entries[0].sequence}" in full.output


def test_since_anchor_needs_an_anchor(app) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["portal", "audit", "verify", "--since-anchor"])
    assert result.exit_code == 2 and "--since-anchor needs --anchor" in result.output
