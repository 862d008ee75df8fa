"""A development SMTP server that keeps every message it receives as an `.eml` file."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class MaildirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Offer PIPELINING like production relays do (aiosmtpd reads commands one at a
        time, so pipelined ones are answered in order)."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / f".{name}.tmp"
        # Written then renamed, so a reader never sees half a message.
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.directory / name)
        return "250 Message accepted for delivery"


class _CancelNextTurn:
    """Stands in for the session task while aiosmtpd reacts to the client going away."""

    def __init__(self, task: asyncio.Task[None]) -> None:
        self._task = task

    def cancel(self) -> bool:
        self._task.get_loop().call_soon(self._task.cancel)
        return True


class FinishReceivedSMTP(SMTP):
    """An SMTP session that still accepts a message whose end-of-data line has arrived.

    aiosmtpd cancels the session the moment the client's FIN is seen, so a message whose
    final `.` came in just before the FIN (a client killed while waiting for the reply)
    was dropped although all of it had been received. A production MTA takes the message
    once it holds the end-of-data line, whether or not the client stays for the answer
    (RFC 1047), and the platform's exactly-once email delivery relies on that: it records
    the delivery just before sending the `.`. Here the cancel waits one loop turn, which
    lets the session consume what was already received (a complete message is read and
    stored without suspending) before it stops.
    """

    def _cancel_later(self, react: Any, *args: Any) -> Any:
        task = self._handler_coroutine
        if task is None:
            return react(*args)
        self._handler_coroutine = _CancelNextTurn(task)  # type: ignore[assignment]
        try:
            return react(*args)
        finally:
            self._handler_coroutine = task

    def eof_received(self) -> bool | None:
        return self._cancel_later(super().eof_received)

    def connection_lost(self, error: Exception | None) -> None:
        self._cancel_later(super().connection_lost, error)


class SinkController(Controller):
    def factory(self) -> SMTP:
        return FinishReceivedSMTP(self.handler, **self.SMTP_kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    # SMTPUTF8 like production relays (Postfix offers it by default): an address whose
    # local part is not ASCII can be delivered.
    controller = SinkController(
        MaildirHandler(args.dir), hostname=args.host, port=args.port, enable_SMTPUTF8=True
    )
    controller.start()
    print(f"smtp sink listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
