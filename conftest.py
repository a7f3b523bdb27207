"""Suite-wide reporting: say plainly how many browser, PostgreSQL and Redis tests ran, so a skip cannot hide."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    counts = {"e2e": {}, "postgres": {}, "redis": {}}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome == "passed":
                continue
            keywords = getattr(report, "keywords", {})
            for marker in counts:
                if marker in keywords:
                    counts[marker][outcome] = counts[marker].get(outcome, 0) + 1
    terminalreporter.section("browser and database coverage")
    for marker, label in (("e2e", "Browser (e2e) tests in Chromium"), ("postgres", "PostgreSQL tests"),
                          ("redis", "Redis tests")):
        tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts[marker].items())) or "none collected"
        terminalreporter.write_line(f"{label}: {tally}")
