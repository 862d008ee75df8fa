"""SMTP relays for tests: an aiosmtpd server running for the length of a fixture."""

from __future__ import annotations

import email
import logging
from collections.abc import Iterator
from pathlib import Path

from aiosmtpd.controller import Controller


def serve(controller: Controller) -> Iterator[Controller]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-session chatter
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def received(controller: Controller) -> list[email.message.Message]:
    """The messages the relay's MaildirHandler stored."""
    directory: Path = controller.handler.directory
    return [email.message_from_bytes(p.read_bytes()) for p in directory.glob("*.eml")]
