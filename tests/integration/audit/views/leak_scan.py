"""Search files for strings that must not be there: fetched record content, names, dates of birth, CHIs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Never scanned in the working tree: installed packages, git's own store, source code (it holds the sandbox
# cohort's templates), the demo's sandbox data (the agencies' own records), and what developer tools run by
# others sharing this tree write: Playwright's traces and screenshots of pages, pytest's and ruff's caches
# (test ids and diagnostics quote test parameters and source).
SKIPPED_PREFIXES = (".venv/", "node_modules/", ".git/", "static/vendor/", "sandbox/", "instance/sandbox/",
                    "test-results/", ".pytest_cache/", ".ruff_cache/", ".import_linter_cache/")
SKIPPED_SUFFIXES = (".py", ".pyc")  # source, and source compiled


@dataclass(frozen=True)
class Leak:
    path: Path
    what: str  # a label for the kind of string found, never the string itself (it is personal data)


def encodings_of(text: str) -> set[bytes]:
    """The byte forms a string takes on disk: UTF-8 as written, and JSON-escaped (as JSON columns keep it)."""
    forms = {text.encode("utf-8"), json.dumps(text)[1:-1].encode("utf-8")}
    return {form for form in forms if form}


def scan_files(paths: Iterable[Path], forbidden: dict[str, set[str]]) -> list[Leak]:
    """Every (file, kind) where any string of that kind occurs; `forbidden` maps a kind to its strings."""
    needles = {kind: {form for text in texts for form in encodings_of(text)} for kind, texts in forbidden.items()}
    leaks = []
    for path in paths:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):  # removed (or replaced) since it was listed
            continue
        leaks.extend(Leak(path, kind) for kind, forms in needles.items() if any(form in data for form in forms))
    return leaks


def is_database_file(path: Path) -> bool:
    """A SQLite database or one of its side files: where the audit trail (which may hold a CHI) lives."""
    if path.name.endswith(("-wal", "-shm", "-journal")):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except FileNotFoundError:
        return False


def files_under(folder: Path, *, exclude: Iterable[Path] = ()) -> list[Path]:
    excluded = [e.resolve() for e in exclude]
    return [path for path in folder.rglob("*")
            if path.is_file() and not any(path.resolve().is_relative_to(e) for e in excluded)]


def working_tree_files_written_since(root: Path, since: float, *, exclude: Iterable[Path] = ()) -> list[Path]:
    """Untracked (ignored too) and modified tracked files in the git working tree, changed since `since`."""
    listed = set()
    for flags in (["-o"], ["-m"]):
        output = subprocess.run(["git", "ls-files", "-z", *flags], cwd=root, capture_output=True, check=True,
                                timeout=60).stdout.decode("utf-8", "replace")
        listed.update(name for name in output.split("\0") if name)
    excluded = [e.resolve() for e in exclude]
    found = []
    for name in sorted(listed):
        if name.startswith(SKIPPED_PREFIXES) or name.endswith(SKIPPED_SUFFIXES):
            continue
        path = root / name
        try:
            if path.stat().st_mtime < since:
                continue
        except FileNotFoundError:  # removed since git listed it
            continue
        if not any(path.resolve().is_relative_to(e) for e in excluded):
            found.append(path)
    return found
