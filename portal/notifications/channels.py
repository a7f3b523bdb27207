"""The channels a notification can go out on. Each delivers one message or raises."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from portal.data.notifications import OutgoingNotification


class DeliveryError(RuntimeError):
    """A channel could not deliver; the message names the problem, never the notification's content."""


class Channel(Protocol):
    name: str

    def deliver(self, notification: OutgoingNotification) -> None: ...


class PortalChannel:
    """The in-portal queue: storing the notification *is* delivering it; the recipient sees it on their next page."""

    name = "portal"

    def deliver(self, notification: OutgoingNotification) -> None:
        if notification.recipient_user_id is None:
            raise DeliveryError("an in-portal notification needs a recipient account")


class EmailChannel:
    """E-mail over SMTP: smtps:// (implicit TLS) or smtp:// with optional STARTTLS, a short timeout."""

    name = "email"

    def __init__(self, url: str, sender: str, starttls: bool, timeout_s: float, ca_file: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://host:port")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.starttls = starttls
        self.timeout_s = timeout_s
        self.ca_file = ca_file

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)  # verifies the certificate and host name
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.starttls:
            connection.starttls(context=context)
        return connection

    def deliver(self, notification: OutgoingNotification) -> None:
        if not notification.address:
            raise DeliveryError("no e-mail address")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = notification.address
        message["Subject"] = notification.subject
        message.set_content(notification.body)
        try:
            with self._connect() as connection:
                if self.username:
                    connection.login(self.username, self.password or "")
                connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(type(error).__name__) from error
