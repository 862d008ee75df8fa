"""The outbox relay, one loop per streams instance (claims with a lease, so instances share
the work without sending an entry twice)."""

from __future__ import annotations

import asyncio
import contextlib

from config.logging import get_logger
from domain.events.outbox import announce_to
from domain.events.relay import relay_once
from infra.background import cancel_and_wait
from streams.app import app
from streams.context import StreamsContext, streams_context

log = get_logger(__name__)


@app.task
async def relay_outbox() -> None:
    from infra.kafka import ensure_topics
    from infra.outbox_signal import listen
    from infra.redis import create_redis
    from streams.topics import EVENT_TOPICS

    context = await streams_context()
    settings = context.settings.events
    await ensure_topics(context.settings.kafka, EVENT_TOPICS)
    idle = settings.outbox_poll_ms / 1000
    # Woken by the writers' announcements (infra/outbox_signal.py), and by this process's
    # own writes; the poll interval is only the longest wait.
    woken = asyncio.Event()
    announce_to(woken.set)
    redis = create_redis(context.settings.redis)
    listener = asyncio.create_task(listen(redis, woken))
    try:
        await _relay_forever(context, idle, woken)
    finally:
        announce_to(None)
        await cancel_and_wait(listener)
        await redis.aclose()
        await context.close_producer()  # the relay is its only user


async def _relay_forever(context: StreamsContext, idle: float, woken: asyncio.Event) -> None:
    from infra.kafka import outbox_sender

    settings = context.settings.events
    while True:
        woken.clear()  # what is announced from here on is for the next pass
        try:
            send = outbox_sender(await context.kafka_producer())
            result = await relay_once(
                context.db,
                send,
                limit=settings.outbox_batch,
                lease_seconds=settings.outbox_lease_seconds,
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox_relay_failed")
            await asyncio.sleep(1.0)
            continue
        if result.failed:
            log.warning("outbox_send_failed", failed=result.failed, sent=result.sent)
        if result.claimed < settings.outbox_batch:
            # Caught up: wait for an announcement, or poll again shortly.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), idle)
