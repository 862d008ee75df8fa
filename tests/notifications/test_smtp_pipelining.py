"""Where the relay offers PIPELINING (RFC 2920), MAIL, RCPT and DATA leave in one write:
one round trip before the message instead of three. Refusals still stop the message."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from config.settings import MailSettings
from config.stack.processes import free_port
from config.stack.smtp_sink import MaildirHandler, SinkController
from infra.mail import EndOfData, send_committed
from tests.notifications.relays import received, serve


class WatchingRelay(MaildirHandler):
    """Notes what the client had already sent when its MAIL command is handled, and
    refuses the senders or recipients it is told to."""

    def __init__(self, directory: Path, *, pipelining: bool = True) -> None:
        super().__init__(directory)
        self.pipelining = pipelining
        self.sent_with_mail: list[bytes] = []
        self.refuse_sender = False
        self.refuse_recipient = False

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if self.pipelining:
            return await super().handle_EHLO(server, session, envelope, hostname, responses)
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.sent_with_mail.append(bytes(server._reader._buffer))  # received, not yet read
        if self.refuse_sender:
            return "550 sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_recipient:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Controller]:
    handler = WatchingRelay(tmp_path / "pipelining")
    yield from serve(SinkController(handler, hostname="127.0.0.1", port=free_port()))


@pytest.fixture
def plain_relay(tmp_path: Path) -> Iterator[Controller]:
    handler = WatchingRelay(tmp_path / "plain", pipelining=False)
    yield from serve(SinkController(handler, hostname="127.0.0.1", port=free_port()))


def _send(controller: Controller, ident: str, recorded: list[str] | None = None) -> list[str]:
    recorded = [] if recorded is None else recorded

    def commit(end: EndOfData) -> None:
        recorded.append("committed")
        end.send()

    settings = MailSettings.model_validate({"SMTP_URL": f"smtp://127.0.0.1:{controller.port}"})
    send_committed(settings, to="ada@example.org", subject="Appointment update",
                   text="Confirmed.", html="<p>Confirmed.</p>",
                   message_id=f"<{ident}@esante>", commit=commit)  # fmt: skip
    return recorded


def test_mail_rcpt_and_data_arrive_together_and_the_message_is_delivered(
    relay: Controller,
) -> None:
    for n in range(2):  # a new connection, then the same one reused
        assert _send(relay, f"pipelined-{n}") == ["committed"]

    assert sorted(m["Message-ID"] for m in received(relay)) == [
        "<pipelined-0@esante>",
        "<pipelined-1@esante>",
    ]
    for rest in relay.handler.sent_with_mail:
        assert rest == b"rcpt TO:<ada@example.org>\r\ndata\r\n"


def test_without_pipelining_on_offer_each_command_waits_for_its_reply(
    plain_relay: Controller,
) -> None:
    assert _send(plain_relay, "plain") == ["committed"]

    assert plain_relay.handler.sent_with_mail == [b""]
    [message] = received(plain_relay)
    assert message["Message-ID"] == "<plain@esante>"


@pytest.mark.parametrize(
    ("refused", "error"),
    [
        ("refuse_sender", smtplib.SMTPSenderRefused),
        ("refuse_recipient", smtplib.SMTPRecipientsRefused),
    ],
)
def test_a_refusal_delivers_nothing_and_commits_nothing(
    relay: Controller, refused: str, error: type[Exception]
) -> None:
    setattr(relay.handler, refused, True)

    recorded: list[str] = []
    with pytest.raises(error):
        _send(relay, "refused", recorded)

    assert recorded == [] and received(relay) == []
    setattr(relay.handler, refused, False)
    assert _send(relay, "after-refusal") == ["committed"]  # the next message goes through
    assert [m["Message-ID"] for m in received(relay)] == ["<after-refusal@esante>"]
