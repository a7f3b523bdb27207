"""The repository runs from any checkout: no file names a path on one particular machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Home and work folders of a developer's or CI's machine; system paths such as /usr/bin/chromium are fine.
MACHINE_PATH = re.compile(r"""["'=\s(](\/work\/|\/root\/|\/home\/[a-z]|\/Users\/[A-Z])""")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return [PROJECT_ROOT / name for name in names.stdout.splitlines() if not name.endswith((".png", ".lock"))]


def test_no_tracked_file_names_a_machine_path() -> None:
    files = tracked_text_files()
    assert len(files) > 100  # the listing worked: this is the whole repository, not an empty loop
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        offenders += [f"{path.relative_to(PROJECT_ROOT)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                      if MACHINE_PATH.search(line)]
    assert offenders == []


def test_the_pattern_catches_a_machine_path() -> None:
    # Built from pieces so that this file does not itself contain what it forbids.
    assert MACHINE_PATH.search('SYNTHEA = Path("/' + 'work/shared/fixtures")')
    assert MACHINE_PATH.search("cd /" + "home/alice/project")
    assert not MACHINE_PATH.search('executable_path="/usr/bin/chromium"')
