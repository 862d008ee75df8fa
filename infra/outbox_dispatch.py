"""The web process sends its own outbox entries to Kafka as soon as they are committed.

Left to the relays, an event waits for a wake-up message over Redis and then for a claim
(three store round trips) before it leaves; measured on the embedded stack that was about
a third of the time from an API write to the notification it causes. Here `publish`
writes the entries already held under this process's lease (`domain.events.outbox`), and
after the commit one task per process sends whatever has been handed over since its last
batch, then marks it sent, exactly as a relay does after its claim.

Nothing depends on this for delivery. An entry this process cannot send (Kafka away, a
refused message) goes back to the relays at once, and one it never got to (the process
was killed) is theirs when its hold runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from config.logging import get_logger
from config.settings import Settings
from domain.events.relay import deliver, release
from infra.background import cancel_and_wait

# After Kafka could not be reached, entries go straight to the relays for this long
# instead of each batch waiting on another failed connection.
UNAVAILABLE_SECONDS = 5.0
# On shutdown, how long what was already handed over may take to go out before whatever
# is left goes back to the relays.
STOP_GRACE_SECONDS = 2.0

log = get_logger(__name__)


class OutboxDispatcher:
    """`domain.events.outbox.Dispatcher` for one event loop: `start` it on that loop,
    `dispatch_to` it, and `stop` it before the loop closes."""

    def __init__(
        self, db: Any, settings: Settings, wake_relays: Callable[[], None] | None = None
    ) -> None:
        self.token = f"dispatch-{uuid.uuid4().hex}"
        # As long as a relay's claim: either holder dying leaves its entries that long.
        self.hold_seconds = settings.events.outbox_lease_seconds
        self._db = db
        self._kafka = settings.kafka
        self._wake_relays = wake_relays  # after giving entries back, so none waits a poll
        self._handed: list[dict[str, Any]] = []
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._producer: Any = None
        self._unavailable_until = 0.0
        self._stopping = False

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run())

    def hand_over(self, entries: list[dict[str, Any]]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not running: the entries are the relays' once their hold runs out
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._take(entries)
        else:  # a write made on another thread
            loop.call_soon_threadsafe(self._take, entries)

    def _take(self, entries: list[dict[str, Any]]) -> None:
        self._handed.extend(entries)
        self._ready.set()

    async def _run(self) -> None:
        while not (self._stopping and not self._handed):
            await self._ready.wait()
            self._ready.clear()
            entries, self._handed = self._handed, []  # everything committed meanwhile
            if not entries:
                continue
            try:
                await self._dispatch(entries)
            except Exception:  # the store is away: the holds run out, the relays send them
                log.exception("outbox_dispatch_failed", entries=len(entries))

    async def _dispatch(self, entries: list[dict[str, Any]]) -> None:
        send = await self._sender()
        if send is None:
            await release(self._db, self.token, [entry["_id"] for entry in entries])
            if self._wake_relays is not None:
                self._wake_relays()
            return
        result = await deliver(self._db, self.token, entries, send)
        if result.failed:
            log.warning("outbox_dispatch_refused", failed=result.failed, sent=result.sent)

    async def _sender(self) -> Any:
        from infra.kafka import create_producer, ensure_topics, outbox_sender
        from streams.topics import EVENT_TOPICS

        if self._producer is None:
            if time.monotonic() < self._unavailable_until:
                return None
            producer = create_producer(self._kafka)
            try:
                # Topics are created with their partition count before the first send,
                # never by the broker's default on an unknown name.
                await ensure_topics(self._kafka, EVENT_TOPICS)
                await producer.start()
            except Exception as exc:
                self._unavailable_until = time.monotonic() + UNAVAILABLE_SECONDS
                log.warning("outbox_dispatch_unavailable", error=type(exc).__name__)
                with contextlib.suppress(Exception):
                    await producer.stop()
                return None
            self._producer = producer
        return outbox_sender(self._producer)

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Send what was handed over (for up to `grace_seconds`), then stop and give
        whatever is still held back to the relays."""
        if self._task is not None:
            self._stopping = True
            self._ready.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        await cancel_and_wait(self._task)
        self._task, self._loop = None, None
        try:
            await release(self._db, self.token)
        except Exception as exc:  # the store is away: the holds run out instead
            log.warning("outbox_dispatch_release_failed", error=type(exc).__name__)
        if self._producer is not None:
            producer, self._producer = self._producer, None
            with contextlib.suppress(Exception):
                await producer.stop()
