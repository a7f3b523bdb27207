"""Fault modes a sandbox system can be told to show, and the shared state holding the current one.

A fault is set at start (`SANDBOX_<AGENCY>_FAULT=mode[:arg]`) or at run time through the
admin endpoint. The HTTP middleware applies transport faults; the apps read the state
for the data faults (`wrong_child`, `page_forever`); the social work admin turns them
into SQL equivalents.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

HTTP_MODES = (
    "latency", "hang", "refuse", "error500", "error503", "malformed_json", "truncated", "wrong_child", "page_forever",
)
SQL_MODES = ("latency", "hang", "refuse", "malformed", "wrong_child")
DEFAULT_HANG_S = 60.0  # a hang is bounded so a forgotten fault cannot pin threads or block shutdown forever


class FaultError(ValueError):
    """A fault request that cannot be applied (unknown mode, bad argument)."""


@dataclass(frozen=True)
class FaultSpec:
    """One fault: its mode and the arguments that mode uses."""

    mode: str
    latency_ms: int | None = None
    latency_min_ms: int | None = None
    latency_max_ms: int | None = None
    hang_seconds: float = DEFAULT_HANG_S
    subject_id: str | None = None  # wrong_child: whose records to serve instead (default: another subject)

    def to_json(self) -> dict[str, Any]:
        """The spec as the admin endpoint reports it."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def is_random_latency(self) -> bool:
        return self.latency_min_ms is not None


def parse_fault_text(text: str, allowed: tuple[str, ...] = HTTP_MODES) -> FaultSpec | None:
    """Parse `mode[:arg]` from an environment variable; empty or `none` means no fault.

    `latency:500` (fixed), `latency:100-900` or `random:100-900` (random range),
    `hang:30` (bound in seconds), `wrong_child:<subject id>`.
    """
    text = text.strip()
    if not text or text.lower() == "none":
        return None
    mode, _, arg = text.partition(":")
    body: dict[str, Any] = {"mode": mode}
    if mode in ("latency", "random") and arg:
        low, dash, high = arg.partition("-")
        if dash:
            body.update(latency_min_ms=low, latency_max_ms=high)
        else:
            body["latency_ms"] = arg
    elif mode == "hang" and arg:
        body["hang_seconds"] = arg
    elif mode == "wrong_child" and arg:
        body["subject_id"] = arg
    return parse_fault_json(body, allowed)


def parse_fault_json(body: Mapping[str, Any], allowed: tuple[str, ...] = HTTP_MODES) -> FaultSpec:
    """Validate an admin request body into a FaultSpec, or raise FaultError saying what is wrong."""
    mode = str(body.get("mode", ""))
    if mode == "random":
        mode = "latency"
    if mode not in allowed:
        raise FaultError(f"unknown fault mode {mode!r}; expected one of {', '.join(allowed)}")
    spec: dict[str, Any] = {"mode": mode}
    if mode == "latency":
        if body.get("latency_min_ms") is not None or body.get("latency_max_ms") is not None:
            low = _non_negative_int(body.get("latency_min_ms", 0), "latency_min_ms")
            high = _non_negative_int(body.get("latency_max_ms"), "latency_max_ms")
            if high < low:
                raise FaultError("latency_max_ms must not be below latency_min_ms")
            spec.update(latency_min_ms=low, latency_max_ms=high)
        else:
            spec["latency_ms"] = _non_negative_int(body.get("latency_ms"), "latency_ms")
    if mode == "hang" and body.get("hang_seconds") is not None:
        try:
            spec["hang_seconds"] = min(float(body["hang_seconds"]), 600.0)
        except (TypeError, ValueError) as e:
            raise FaultError("hang_seconds must be a number") from e
    if mode == "wrong_child" and body.get("subject_id"):
        spec["subject_id"] = str(body["subject_id"])
    return FaultSpec(**spec)


def _non_negative_int(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as e:
        raise FaultError(f"{name} must be a whole number of milliseconds") from e
    if number < 0:
        raise FaultError(f"{name} must not be negative")
    return number


class FaultState:
    """The current fault of one system, shared by its threads; listeners hear every change."""

    def __init__(self, initial: FaultSpec | None = None) -> None:
        self._lock = threading.Lock()
        self._spec = initial
        self._changed = threading.Condition(self._lock)
        self._listeners: list[Callable[[FaultSpec | None], None]] = []

    @property
    def current(self) -> FaultSpec | None:
        with self._lock:
            return self._spec

    def mode(self) -> str | None:
        """The active mode name, or None."""
        spec = self.current
        return spec.mode if spec else None

    def set(self, spec: FaultSpec | None) -> None:
        """Replace the fault (None clears it) and tell listeners."""
        with self._changed:
            self._spec = spec
            self._changed.notify_all()
            listeners = list(self._listeners)
        for listener in listeners:
            listener(spec)

    def add_listener(self, listener: Callable[[FaultSpec | None], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def wait_for_change(self, seen: FaultSpec | None, timeout: float) -> FaultSpec | None:
        """Block up to `timeout` seconds while the fault is still `seen`; returns the fault then."""
        with self._changed:
            if self._spec is seen:
                self._changed.wait(timeout)
            return self._spec
