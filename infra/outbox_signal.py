"""Wake-up calls from the processes that write events to the outbox relays, over Redis.

A relay polls the outbox every OUTBOX_POLL_MS, so an event would wait half that on
average before leaving for Kafka. Instead a process that has left outbox entries to the
relays (the web, for those its dispatcher gives back: `infra.outbox_dispatch`) publishes
one message on a Redis channel, and every relay subscribed to it claims at once. The poll
stays as the safety net: a lost announcement (Redis down, a relay restarting) only means
the entry leaves at the next poll.

Announcing never delays a write: `OutboxAnnouncer.notify` only sets a flag, and one task
per process publishes for every write made since its last message.
"""

from __future__ import annotations

import asyncio
from typing import Any

from config.logging import get_logger
from infra.background import cancel_and_wait

CHANNEL = "esante:outbox:committed"
RETRY_SECONDS = 1.0

log = get_logger(__name__)


class OutboxAnnouncer:
    """Publishes on CHANNEL after outbox writes; `notify` is the callback for
    `domain.events.outbox.announce_to`."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def notify(self) -> None:
        """From the event loop that started it: every outbox write is made on that loop."""
        self._wanted.set()

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()  # writes from here on need another message
            try:
                await self._redis.publish(CHANNEL, b"1")
            except Exception as exc:  # Redis away: the relays' poll takes over
                log.debug("outbox_announce_failed", error=type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None


async def listen(redis: Any, woken: asyncio.Event) -> None:
    """Set `woken` on every announcement, until cancelled; resubscribes after a failure."""
    while True:
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(CHANNEL)
                woken.set()  # anything announced while unsubscribed is waiting now
                while True:
                    # A bounded wait, below the client's socket timeout, so that a quiet
                    # channel is not taken for a dead connection.
                    if await pubsub.get_message(timeout=1.0) is not None:
                        woken.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("outbox_listen_failed", error=type(exc).__name__)
            await asyncio.sleep(RETRY_SECONDS)
