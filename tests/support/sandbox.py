"""The sandbox agencies for integration and browser tests: a cohort in a temp folder, systems on free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from portal.demo import connector_environment, fresh_sandbox_credentials
from sandbox.launcher import free_port

AGENCIES = ("health", "social_work", "education", "police", "scra")


@dataclass
class RunningSandbox:
    data_dir: Path
    env: dict[str, str]  # what the portal's connectors need
    admin_urls: dict[str, str]
    admin_key: str
    cohort: list[dict]

    def child(self, *tags: str) -> dict:
        """The first cohort child carrying every tag."""
        return next(c for c in self.cohort if all(t in c["tags"] for t in tags))

    def children(self, *tags: str) -> list[dict]:
        return [c for c in self.cohort if all(t in c["tags"] for t in tags)]


@contextmanager
def running_sandbox(data_dir: Path) -> Iterator[RunningSandbox]:
    """Build the deterministic cohort into `data_dir` and run all five systems until the block ends."""
    from sandbox.cohort import generate, list_children, write
    from sandbox.launcher import start_all

    write(generate(), data_dir)
    credentials = fresh_sandbox_credentials()
    ports = {agency: free_port() for agency in AGENCIES}
    handle = start_all(data_dir, ports=ports, env=credentials)
    try:
        env = connector_environment(handle.urls, data_dir, credentials)
        yield RunningSandbox(data_dir, env, dict(handle.admin_urls), credentials["SANDBOX_ADMIN_KEY"],
                             list_children(data_dir))
    finally:
        handle.stop()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (the connector registry reads os.environ)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def set_fault(sandbox: RunningSandbox, agency: str, mode: str | None, **options: object) -> None:
    """Put one agency into a fault mode (None clears it) through its admin channel."""
    import requests

    url = f"{sandbox.admin_urls[agency]}/_sandbox/faults"
    headers = {"X-Sandbox-Admin": sandbox.admin_key}
    if mode is None:
        requests.delete(url, headers=headers, timeout=5).raise_for_status()
    else:
        requests.post(url, headers=headers, json={"mode": mode, **options}, timeout=5).raise_for_status()
