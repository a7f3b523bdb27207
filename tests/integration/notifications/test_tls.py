"""E-mail over TLS to a real SMTP server: STARTTLS and smtps://, the certificate checked against the CA."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from portal.data.notifications import OutgoingNotification
from portal.notifications.channels import DeliveryError, EmailChannel
from tests.support.certs import loopback_certificates
from tests.support.smtp import smtp_server

MESSAGE = OutgoingNotification(1, "break_glass", "email", None, "IG mailbox", "ig@glenmorven.example",
                               "Break-glass access started", "Break-glass access was started by Sam Reid.", 0,
                               "pending")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    ca, cert, key = loopback_certificates(tmp_path_factory.mktemp("tls"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return ca, server


def test_starttls_delivers_when_the_servers_certificate_is_trusted(certificates) -> None:  # type: ignore[no-untyped-def]
    ca, server = certificates
    with smtp_server(server) as (inbox, port):
        EmailChannel(f"smtp://127.0.0.1:{port}", "portal@glenmorven.example", True, 5, str(ca)).deliver(MESSAGE)
        (mail,) = inbox.wait_for("ig@glenmorven.example")
    assert mail["Subject"] == "Break-glass access started"


def test_an_untrusted_certificate_is_refused(certificates) -> None:  # type: ignore[no-untyped-def]
    _, server = certificates
    with smtp_server(server) as (inbox, port), pytest.raises(DeliveryError, match="SSLCertVerificationError"):
        EmailChannel(f"smtp://127.0.0.1:{port}", "portal@glenmorven.example", True, 5).deliver(MESSAGE)
    assert inbox.messages == []


def test_a_server_that_requires_tls_gets_nothing_in_clear(certificates) -> None:  # type: ignore[no-untyped-def]
    ca, server = certificates
    with smtp_server(server) as (inbox, port), pytest.raises(DeliveryError, match="SMTP"):
        EmailChannel(f"smtp://127.0.0.1:{port}", "portal@glenmorven.example", False, 5, str(ca)).deliver(MESSAGE)
    assert inbox.messages == []


def test_smtps_speaks_tls_from_the_first_byte(certificates) -> None:  # type: ignore[no-untyped-def]
    ca, server = certificates
    with smtp_server(server, implicit_tls=True) as (inbox, port):
        EmailChannel(f"smtps://127.0.0.1:{port}", "portal@glenmorven.example", False, 5, str(ca)).deliver(MESSAGE)
        assert len(inbox.wait_for("ig@glenmorven.example")) == 1


def test_a_malformed_smtp_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="SMTP_URL must look like"):
        EmailChannel("mail.example:25", "portal@glenmorven.example", False, 5)
