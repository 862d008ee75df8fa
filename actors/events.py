"""The outbox watchdog: relays entries the streams relays left behind, reports the backlog."""

from __future__ import annotations

import json
from dataclasses import asdict

import dramatiq

from actors.context import run_async, worker_db, worker_redis
from config.logging import get_logger
from config.settings import get_settings
from domain.events.relay import Backlog, backlog, relay_once

log = get_logger(__name__)
STALE_SECONDS = 30.0  # the streams relays poll every fraction of a second
BACKLOG_KEY = "outbox:backlog"


async def _relay_stale() -> tuple[int, Backlog]:
    from infra.kafka import create_producer, outbox_sender

    db = worker_db()
    sent = 0
    before = await backlog(db)
    if before.pending and before.oldest_age_seconds >= STALE_SECONDS:
        producer = create_producer(get_settings().kafka)
        await producer.start()
        try:
            send = outbox_sender(producer)
            while True:
                result = await relay_once(db, send, older_than_seconds=STALE_SECONDS)
                sent += result.sent
                if result.claimed == 0 or result.sent == 0:
                    break
        finally:
            await producer.stop()
    return sent, await backlog(db)


@dramatiq.actor(actor_name="events.relay_outbox", queue_name="events", max_retries=0)
def relay_outbox() -> None:
    sent, after = run_async(_relay_stale())
    report = {**asdict(after), "relayed_by_watchdog": sent}
    worker_redis().set(BACKLOG_KEY, json.dumps(report), ex=3600)
    if sent:
        log.warning("outbox_relayed_by_watchdog", sent=sent)
    if after.pending and after.oldest_age_seconds >= STALE_SECONDS:
        log.error(
            "outbox_backlog",
            pending=after.pending,
            oldest_age_seconds=round(after.oldest_age_seconds, 1),
            failing=after.failing,
        )
