"""Mail over TLS (smtps:// and smtp+starttls://) checks the server's certificate, and the
delivery record is still written at end-of-data."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller

from config.settings import MailSettings
from config.stack.processes import free_port
from config.stack.smtp_sink import MaildirHandler, SinkController
from infra.mail import EndOfData, send_committed
from tests.notifications.relays import received, serve


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def smtps(tmp_path: Path, server_context: ssl.SSLContext) -> Iterator[Controller]:
    handler = MaildirHandler(tmp_path / "smtps")
    yield from serve(SinkController(handler, hostname="127.0.0.1", port=free_port(),
                                     ssl_context=server_context))  # fmt: skip


@pytest.fixture
def starttls(tmp_path: Path, server_context: ssl.SSLContext) -> Iterator[Controller]:
    handler = MaildirHandler(tmp_path / "starttls")
    controller = SinkController(handler, hostname="127.0.0.1", port=free_port(),
                                tls_context=server_context, require_starttls=True)  # fmt: skip
    yield from serve(controller)


def _settings(url: str, ca_file: Path | None) -> MailSettings:
    return MailSettings.model_validate(
        {"SMTP_URL": url, "SMTP_CA_FILE": str(ca_file) if ca_file else None}
    )


def _send(settings: MailSettings, recorded: list[str]) -> None:
    def commit(end: EndOfData) -> None:
        recorded.append("committed")
        end.send()

    send_committed(settings, to="ada@example.org", subject="Appointment update",
                   text="Confirmed.", html="<p>Confirmed.</p>",
                   message_id="<tls-1@esante>", commit=commit)  # fmt: skip


@pytest.mark.parametrize("scheme", ["smtps", "smtp+starttls"])
def test_mail_over_tls_is_delivered_and_recorded(
    scheme: str, smtps: Controller, starttls: Controller, authority: trustme.CA, tmp_path: Path
) -> None:
    server = smtps if scheme == "smtps" else starttls
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    recorded: list[str] = []

    _send(_settings(f"{scheme}://127.0.0.1:{server.port}", ca_file), recorded)

    assert recorded == ["committed"]
    [message] = received(server)
    assert message["Subject"] == "Appointment update"


@pytest.mark.parametrize("scheme", ["smtps", "smtp+starttls"])
def test_a_server_certificate_nobody_vouches_for_is_refused(
    scheme: str, smtps: Controller, starttls: Controller
) -> None:
    server = smtps if scheme == "smtps" else starttls
    recorded: list[str] = []

    with pytest.raises(ssl.SSLCertVerificationError):
        _send(_settings(f"{scheme}://127.0.0.1:{server.port}", None), recorded)

    assert recorded == [] and received(server) == []
