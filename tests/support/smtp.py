"""A real SMTP server for tests (aiosmtpd on a free loopback port) that keeps every message it receives."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from sandbox.launcher import free_port as _free_port


@dataclass
class Inbox:
    """Messages the test SMTP server accepted, in order of arrival."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False  # answer every message with a temporary failure (a mail server in trouble)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "451 Requested action aborted: try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def mark(self) -> int:
        """Where the inbox stands now: pass it to `wait_for(since=…)` to see only what arrives after."""
        return len(self.messages)

    def wait_for(self, address: str, count: int = 1, timeout_s: float = 15.0, since: int = 0) -> list[EmailMessage]:
        """The messages to `address` (after `since`) once `count` have arrived; fails the test if they do not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [m for m in self.messages[since:] if address in str(m["To"])]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} message(s) to {address} did not arrive within {timeout_s} s")


@contextmanager
def smtp_server(tls: ssl.SSLContext | None = None, *, implicit_tls: bool = False) -> Iterator[tuple[Inbox, int]]:
    """(inbox, port) of a running SMTP server; stopped on exit.

    With `tls`, the server offers STARTTLS and refuses mail without it, or (`implicit_tls`) speaks TLS from the
    first byte, as smtps:// does.
    """
    inbox = Inbox()
    port = _free_port()
    options: dict = {}
    if tls is not None and implicit_tls:
        options["ssl_context"] = tls
    elif tls is not None:
        options.update(tls_context=tls, require_starttls=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
