"""The outbox relay, one loop per streams instance (claims with a lease, so instances share
the work without sending an entry twice)."""

from __future__ import annotations

import asyncio

from config.logging import get_logger
from domain.events.relay import relay_once
from streams.app import app
from streams.context import streams_context

log = get_logger(__name__)


@app.task
async def relay_outbox() -> None:
    from infra.kafka import ensure_topics, outbox_sender
    from streams.topics import EVENT_TOPICS

    context = await streams_context()
    settings = context.settings.events
    await ensure_topics(context.settings.kafka, EVENT_TOPICS)
    idle = settings.outbox_poll_ms / 1000
    while True:
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
            await asyncio.sleep(idle)  # caught up: poll again shortly
