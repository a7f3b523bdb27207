"""The configured agency connectors and the thread pool the federation fans out on, one of each per app."""

from __future__ import annotations

import os
import threading

from flask import current_app

from connectors.registry import Registry, load_registry
from portal.metrics import sample_fanout_load
from portal.record.pool import FanoutExecutor

_lock = threading.RLock()  # registry() builds the executor while holding it


def registry() -> Registry:
    """The connectors built from CONNECTORS_FILE, on first use (credentials come from the environment)."""
    extensions = current_app.extensions
    if "registry" not in extensions:
        with _lock:
            if "registry" not in extensions:
                settings = current_app.config["SETTINGS"]
                built = load_registry(settings.CONNECTORS_FILE, os.environ)
                for connector in built.connectors:
                    # Reads a connector sends in parallel for one person run on the same bounded pool.
                    connector.share_executor(executor())
                extensions["registry"] = built
    registry: Registry = extensions["registry"]
    return registry


def executor() -> FanoutExecutor:
    """The worker's one fan-out pool, sized by FANOUT_THREADS and FANOUT_QUEUE (see portal.record.pool)."""
    extensions = current_app.extensions
    if "federation_pool" not in extensions:
        with _lock:
            if "federation_pool" not in extensions:
                settings = current_app.config["SETTINGS"]
                created = FanoutExecutor(settings.FANOUT_THREADS, settings.FANOUT_QUEUE,
                                         retry_after_s=settings.BUSY_RETRY_AFTER_S)
                sample_fanout_load(created)  # the saturation gauges, read off the pool twice a second
                extensions["federation_pool"] = created
    pool: FanoutExecutor = extensions["federation_pool"]
    return pool

