"""The outbox relay against the real store and the real broker: relays share the work
without double sends, a relay that dies gives its entries back, failures back off."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from config.settings import Settings
from domain.events import Actor, Subject, new_event, publish
from domain.events.outbox import epoch_ms
from domain.events.relay import backlog, claim, ensure_outbox_indexes, relay_once
from infra.kafka import create_producer, ensure_topics, outbox_sender
from streams.topics import EVENT_TOPICS
from tests.events.support import received_on


@pytest.fixture
async def db(db, settings: Settings):  # type: ignore[no-untyped-def]
    await ensure_outbox_indexes(db)
    await ensure_topics(settings.kafka, EVENT_TOPICS)
    return db


def _events(n: int) -> list[Any]:
    return [
        new_event(
            "user.updated",
            actor=Actor(id=f"u{i}", role="patient"),
            subject=Subject(type="user", id=f"u{i}"),
        )
        for i in range(n)
    ]


async def test_concurrent_relays_send_each_entry_once(db: Any, settings: Settings) -> None:
    events = _events(300)
    await publish(db, *events)
    assert (await backlog(db)).pending == 300
    producers = [create_producer(settings.kafka) for _ in range(3)]
    for producer in producers:
        await producer.start()

    async def relay(producer: Any) -> int:
        sent = 0
        send = outbox_sender(producer)
        while (result := await relay_once(db, send, limit=25)).claimed:
            sent += result.sent
        return sent

    try:
        counts = await asyncio.gather(*(relay(p) for p in producers))
    finally:
        for producer in producers:
            await producer.stop()
    assert sum(counts) == 300 and sum(1 for c in counts if c) >= 2  # the work was shared
    assert (await backlog(db)).pending == 0
    ids = {e.id for e in events}
    received = await received_on(settings, "users.events", ids, 300)
    assert sorted(received) == sorted(ids)  # each exactly once


async def test_a_relay_that_dies_after_claiming_loses_nothing(db: Any, settings: Settings) -> None:
    events = _events(5)
    await publish(db, *events)
    _token, claimed = await claim(db, lease_seconds=0.5)  # ... and then the process dies
    assert len(claimed) == 5
    producer = create_producer(settings.kafka)
    await producer.start()
    try:
        send = outbox_sender(producer)
        assert (await relay_once(db, send)).claimed == 0  # still leased
        await asyncio.sleep(0.6)
        assert (await relay_once(db, send)).sent == 5
    finally:
        await producer.stop()
    assert await db.outbox.count_documents({"status": "sent"}) == 5


async def test_failed_sends_back_off_and_show_in_the_backlog(db: Any) -> None:
    await publish(db, *_events(2))

    async def broker_down(entries: Any) -> list[BaseException | None]:
        raise ConnectionError("no broker")

    result = await relay_once(db, broker_down)
    assert (result.claimed, result.failed) == (2, 2)
    assert (await relay_once(db, broker_down)).claimed == 0  # waiting out the backoff
    entry = await db.outbox.find_one({})
    assert entry["attempts"] == 1 and "no broker" in entry["last_error"]
    assert entry["due_ms"] > epoch_ms(datetime.now(UTC))
    state = await backlog(db)
    assert state.pending == 2 and state.failing == 2 and state.oldest_age_seconds >= 0
