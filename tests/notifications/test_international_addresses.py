"""Internationalized addresses on the wire: a non-ASCII domain goes out in its ASCII (IDNA)
form, which any relay takes; a non-ASCII local part needs a relay offering SMTPUTF8, and
without one the send fails at once with a reason no retry can change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from aiosmtpd.controller import Controller
from bson import ObjectId

from actors.broker import configure_broker
from actors.inspection import QueueInspector
from config.settings import MailSettings
from config.stack.processes import free_port
from config.stack.smtp_sink import MaildirHandler, SinkController
from domain.notifications.models import Message
from domain.notifications.repository import ensure_notification_indexes, store
from infra.mail import AddressNotAccepted, EndOfData, send_committed
from infra.redis import create_redis
from tests.auth.support import patient_form
from tests.events.support import add_user, eventually
from tests.notifications.relays import received, serve


class EnvelopeRelay(MaildirHandler):
    """Keeps each accepted message's envelope: recipients and MAIL options."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.envelopes: list[tuple[list[str], list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((list(envelope.rcpt_tos), list(envelope.mail_options)))
        return await super().handle_DATA(server, session, envelope)


def _relay(directory: Path, smtputf8: bool) -> Iterator[Controller]:
    handler = EnvelopeRelay(directory)
    yield from serve(
        SinkController(handler, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=smtputf8)
    )


@pytest.fixture
def utf8_relay(tmp_path: Path) -> Iterator[Controller]:
    yield from _relay(tmp_path / "utf8", smtputf8=True)


@pytest.fixture
def ascii_relay(tmp_path: Path) -> Iterator[Controller]:
    yield from _relay(tmp_path / "ascii", smtputf8=False)


def _send(relay: Controller, to: str, commits: list[str]) -> None:
    def commit(end: EndOfData) -> None:
        commits.append(to)
        end.send()

    settings = MailSettings.model_validate({"SMTP_URL": f"smtp://127.0.0.1:{relay.port}"})
    send_committed(settings, to=to, subject="Appointment update", text="Confirmed.",
                   html="<p>Confirmed.</p>", message_id="<intl@esante>", commit=commit)  # fmt: skip


def test_a_non_ascii_domain_goes_out_in_its_ascii_form_to_any_relay(
    ascii_relay: Controller,
) -> None:
    commits: list[str] = []
    _send(ascii_relay, "ada@exämple.org", commits)
    assert commits == ["ada@exämple.org"]
    [(recipients, options)] = ascii_relay.handler.envelopes
    assert recipients == ["ada@xn--exmple-cua.org"] and "SMTPUTF8" not in options


def test_a_non_ascii_local_part_goes_with_smtputf8(utf8_relay: Controller) -> None:
    commits: list[str] = []
    _send(utf8_relay, "zoë@exämple.org", commits)
    assert commits == ["zoë@exämple.org"]
    [(recipients, options)] = utf8_relay.handler.envelopes
    assert recipients == ["zoë@xn--exmple-cua.org"] and "SMTPUTF8" in options
    assert len(received(utf8_relay)) == 1


def test_without_smtputf8_a_non_ascii_local_part_is_refused_before_anything_is_sent(
    ascii_relay: Controller,
) -> None:
    commits: list[str] = []
    with pytest.raises(AddressNotAccepted):
        _send(ascii_relay, "zoë@example.org", commits)
    assert commits == []  # no delivery recorded
    assert received(ascii_relay) == []
    # The connection is usable again for the next message.
    _send(ascii_relay, "ada@example.org", commits)
    assert commits == ["ada@example.org"]


async def _dead_letters(settings: Any, queue: str) -> list[Any]:
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    try:
        _, letters = await inspector.dead_letters(queue)
        return list(letters)
    finally:
        await inspector.redis.aclose()


@pytest.mark.e2e
async def test_a_worker_dead_letters_at_once_the_mail_its_relay_cannot_take(
    client: Any, platform: Any, settings: Any, ascii_relay: Controller
) -> None:
    """Through a real worker whose relay offers no SMTPUTF8: the verification job for an
    accented address goes to the dead letters without retries, its reason in the log, and
    the relay receives nothing."""
    worker = platform.start("worker", SMTP_URL=f"smtp://127.0.0.1:{ascii_relay.port}")
    form = patient_form(f"zoë.{time.time_ns()}@example.org")
    assert (await client.post("/api/v1/auth/register", json=form)).status_code == 201

    [letter] = await eventually(lambda: _dead_letters(settings, "auth"), timeout=30)
    assert letter.actor == "auth.send_verification_email"
    assert letter.retries == 0  # not retried: no retry could change the relay
    assert "email_address_not_accepted" in worker.log()
    assert received(ascii_relay) == []


@pytest.mark.e2e
async def test_a_notification_email_its_relay_cannot_take_is_dead_at_once(
    db: Any, platform: Any, settings: Any, ascii_relay: Controller
) -> None:
    """The notification's email, through a real worker whose relay offers no SMTPUTF8: the
    delivery is recorded dead with its reason and the job dead-lettered without retries,
    so the notification does not sit `sending` or go through every retry."""
    await ensure_notification_indexes(db)
    user = await add_user(db)
    await db.users.update_one(
        {"_id": ObjectId(user)}, {"$set": {"email": f"zoë.{user}@example.org"}}
    )
    event = {"id": f"intl-{user}", "type": "appointment.confirmed"}
    message = Message(user, "appointments", "Appointment update", "Update.", "http://x/")
    notification_id = (await store(db, event, message)).id
    worker = platform.start("worker", SMTP_URL=f"smtp://127.0.0.1:{ascii_relay.port}")
    configure_broker(settings)
    import actors.registry  # noqa: F401

    dramatiq.get_broker().get_actor("notifications.send_email").send(notification_id)

    [letter] = await eventually(lambda: _dead_letters(settings, "notifications"), timeout=30)
    assert letter.actor == "notifications.send_email"
    assert letter.retries == 0
    doc = await db.notifications.find_one({"_id": notification_id})
    assert doc["email_status"] == "dead"
    assert doc["email_error"].startswith("AddressNotAccepted")
    assert "email_address_not_accepted" in worker.log()
    assert received(ascii_relay) == []
