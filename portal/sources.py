"""The configured agency connectors and the thread pool the federation fans out on, one of each per app."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

from connectors.registry import Registry, load_registry

_lock = threading.Lock()


def registry() -> Registry:
    """The connectors built from CONNECTORS_FILE, on first use (credentials come from the environment)."""
    extensions = current_app.extensions
    if "registry" not in extensions:
        with _lock:
            if "registry" not in extensions:
                settings = current_app.config["SETTINGS"]
                extensions["registry"] = load_registry(settings.CONNECTORS_FILE, os.environ)
    return extensions["registry"]


def executor() -> ThreadPoolExecutor:
    """A shared pool: a hung agency's thread is abandoned at the deadline, not waited for."""
    extensions = current_app.extensions
    if "federation_pool" not in extensions:
        with _lock:
            if "federation_pool" not in extensions:
                extensions["federation_pool"] = ThreadPoolExecutor(max_workers=32, thread_name_prefix="federation")
    return extensions["federation_pool"]


def agency_names() -> dict[str, str]:
    return {connector.agency: connector.display_name for connector in registry().connectors}
