"""A relay that receives the whole message and drops the connection before answering: the
message counts as delivered and is not sent again (RFC 1047)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from config.settings import MailSettings
from config.stack.processes import free_port
from config.stack.smtp_sink import MaildirHandler, SinkController
from infra.mail import DeliveryUnconfirmed, EndOfData, send_committed
from tests.notifications.relays import received, serve


class HangingUpRelay(MaildirHandler):
    """Stores the message, then hangs up instead of answering."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        status = await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return status


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Controller]:
    handler = HangingUpRelay(tmp_path / "hanging-up")
    yield from serve(SinkController(handler, hostname="127.0.0.1", port=free_port()))


def test_a_message_whose_answer_is_lost_is_neither_resent_nor_committed_twice(
    relay: Controller,
) -> None:
    commits: list[str] = []

    def commit(end: EndOfData) -> None:
        commits.append("committed")
        end.send()

    settings = MailSettings.model_validate({"SMTP_URL": f"smtp://127.0.0.1:{relay.port}"})
    with pytest.raises(DeliveryUnconfirmed):
        send_committed(settings, to="ada@example.org", subject="Appointment update",
                       text="Confirmed.", html="<p>Confirmed.</p>",
                       message_id="<hung-up@esante>", commit=commit)  # fmt: skip

    assert commits == ["committed"]
    assert [m["Message-ID"] for m in received(relay)] == ["<hung-up@esante>"]
