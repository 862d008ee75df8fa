"""A web process sends its own events to Kafka once their transaction commits; the relays
take over only what it cannot send, and nothing is lost either way."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from config.settings import Settings, get_settings
from domain.events import publish
from domain.events.outbox import OUTBOX, dispatch_to, epoch_ms
from domain.events.relay import ensure_outbox_indexes, relay_once
from domain.shared.transaction import transaction
from infra.kafka import create_producer, ensure_topics, outbox_sender
from infra.outbox_dispatch import OutboxDispatcher
from streams.topics import EVENT_TOPICS
from tests.appointments.conftest import book_next_monday_at_nine
from tests.events.support import (
    add_user,
    appointment_confirmed,
    confirm_appointment,
    eventually,
    received_on,
)
from tests.support.people import make_person

HOLD_SECONDS = 2.0


@pytest.fixture
def dispatching(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The production default (the tests' settings leave events to the relays)."""
    monkeypatch.setenv("OUTBOX_DISPATCH", "true")
    monkeypatch.setenv("OUTBOX_LEASE_SECONDS", str(HOLD_SECONDS))
    get_settings.cache_clear()
    return Settings()


@pytest.fixture
async def db(db: Any, settings: Settings) -> Any:
    await ensure_outbox_indexes(db)
    await ensure_topics(settings.kafka, EVENT_TOPICS)
    return db


@pytest.fixture
async def relay(settings: Settings, db: Any) -> AsyncIterator[Any]:
    """One pass of a relay, as a streams instance runs it."""
    producer = create_producer(settings.kafka)
    await producer.start()

    async def once() -> Any:
        return await relay_once(db, outbox_sender(producer), lease_seconds=HOLD_SECONDS)

    yield once
    await producer.stop()


async def test_a_booking_leaves_for_kafka_from_the_web_process_itself(
    dispatching: Settings, db: Any
) -> None:
    from api.app import create_app

    doctor = await make_person(db, dispatching, "doctor", "Rym", "Ayari")
    patient = await make_person(db, dispatching, "patient", "Ali", "Ben Ali")
    async with AsyncTestClient(app=create_app(dispatching)) as client:
        booked = await book_next_monday_at_nine(client, doctor, patient)
        assert booked.status_code == 201
        query = {"event.type": "appointment.requested", "event.subject.id": booked.json()["id"]}

        async def sent() -> Any:
            entry = await db[OUTBOX].find_one(query)
            return entry if entry and entry["status"] == "sent" else None

        entry = await eventually(sent, 10, every=0.05)
    # No relay runs here, and none could have claimed it within its hold anyway.
    assert "claimed_ms" not in entry and entry["attempts"] == 1
    assert await received_on(dispatching, "appointments.events", {entry["_id"]}, 1) == [
        entry["_id"]
    ]


async def test_a_process_that_dies_after_its_commit_leaves_its_events_to_the_relays(
    dispatching: Settings, db: Any, relay: Any
) -> None:
    # Never started: it holds the entries written through it, as a process killed between
    # its commit and its send would.
    dead = OutboxDispatcher(db, dispatching)
    event = await _confirmed_through(dead, db)
    entry = await db[OUTBOX].find_one({"_id": event.id})
    assert entry["status"] == "pending" and entry["lease"] == dead.token
    assert entry["due_ms"] > epoch_ms_now() + (HOLD_SECONDS - 1) * 1000

    assert (await relay()).claimed == 0  # held: the relays leave it to its writer

    async def relayed() -> bool:
        return (await relay()).sent == 1

    await eventually(relayed, HOLD_SECONDS + 10, every=0.2)  # the hold ran out
    assert (await db[OUTBOX].find_one({"_id": event.id}))["status"] == "sent"
    assert await received_on(dispatching, "appointments.events", {event.id}, 1) == [event.id]


async def test_a_stopping_process_gives_what_it_holds_back_at_once(
    dispatching: Settings, db: Any, relay: Any
) -> None:
    dispatcher = OutboxDispatcher(db, dispatching)
    event = await _confirmed_through(dispatcher, db)
    await dispatcher.stop()  # before it ever sent anything (it never started)

    entry = await db[OUTBOX].find_one({"_id": event.id})
    assert "lease" not in entry and entry["due_ms"] <= epoch_ms_now()
    assert (await relay()).sent == 1  # no wait for the hold


async def test_a_stopping_process_first_sends_what_it_was_handed(
    dispatching: Settings, db: Any
) -> None:
    dispatcher = OutboxDispatcher(db, dispatching)
    dispatcher.start()
    event = await _confirmed_through(dispatcher, db)
    await dispatcher.stop()  # handed over, but its task has not run yet

    entry = await db[OUTBOX].find_one({"_id": event.id})
    assert entry["status"] == "sent" and "lease" not in entry
    assert await received_on(dispatching, "appointments.events", {event.id}, 1) == [event.id]


async def test_with_kafka_away_its_events_go_back_to_the_relays_at_once(
    dispatching: Settings, db: Any, relay: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")  # nothing listens there
    unreachable = Settings()
    woken: list[bool] = []
    dispatcher = OutboxDispatcher(db, unreachable, wake_relays=lambda: woken.append(True))
    dispatcher.start()
    dispatch_to(dispatcher)
    try:
        patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
        event = await confirm_appointment(db.client, db, patient, doctor)

        async def given_back() -> Any:
            entry = await db[OUTBOX].find_one({"_id": event.id})
            return entry if "lease" not in entry else None

        began = time.monotonic()
        entry = await eventually(given_back, HOLD_SECONDS, every=0.05)
        assert time.monotonic() - began < HOLD_SECONDS  # not by the hold running out
        assert entry["status"] == "pending" and entry["due_ms"] <= epoch_ms_now()

        async def relays_woken() -> bool:
            return woken == [True]

        await eventually(relays_woken, 5, every=0.05)
    finally:
        dispatch_to(None)
        await dispatcher.stop()
    assert (await relay()).sent == 1  # the relays, which reach Kafka, send it
    assert await received_on(dispatching, "appointments.events", {event.id}, 1) == [event.id]


async def test_an_aborted_write_hands_nothing_over(dispatching: Settings, db: Any) -> None:
    dispatcher = OutboxDispatcher(db, dispatching)
    dispatcher.start()
    dispatch_to(dispatcher)
    try:
        dropped = appointment_confirmed("p1", "d1")
        with pytest.raises(RuntimeError):
            async with transaction(db.client) as session:
                await publish(db, dropped, session=session)
                raise RuntimeError("the change fails after its event was written")
        kept = await confirm_appointment(db.client, db, "p1", "d1")

        async def sent() -> Any:
            entry = await db[OUTBOX].find_one({"_id": kept.id})
            return entry["status"] == "sent"

        await eventually(sent, 10, every=0.05)
        assert await db[OUTBOX].find_one({"_id": dropped.id}) is None
    finally:
        dispatch_to(None)
        await dispatcher.stop()
    assert await received_on(dispatching, "appointments.events", {kept.id, dropped.id}, 1) == [
        kept.id
    ]


async def _confirmed_through(dispatcher: OutboxDispatcher, db: Any) -> Any:
    """An appointment confirmed (and its event written) in a process using `dispatcher`."""
    dispatch_to(dispatcher)
    try:
        patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
        return await confirm_appointment(db.client, db, patient, doctor)
    finally:
        dispatch_to(None)


def epoch_ms_now() -> int:
    return epoch_ms(datetime.now(UTC))


@pytest.mark.e2e
async def test_through_a_real_web_process_the_booking_reaches_the_doctor(
    platform: Any, settings: Settings, db: Any
) -> None:
    """The production default end to end: a web process with its dispatcher, a streams
    process whose relay could only take the event after its 30 s hold."""
    import httpx

    doctor = await make_person(db, settings, "doctor", "Rym", "Ayari")
    patient = await make_person(db, settings, "patient", "Ali", "Ben Ali")
    platform.start("streams")
    web = platform.start("web", OUTBOX_DISPATCH="true", OUTBOX_LEASE_SECONDS="30")
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        booked = await book_next_monday_at_nine(client, doctor, patient)
    assert booked.status_code == 201

    async def doctor_notified() -> Any:
        return await db.notifications.find_one(
            {"user_id": doctor.id, "event_type": "appointment.requested"}
        )

    notification = await eventually(doctor_notified, 90)
    assert booked.json()["id"] in notification["link"]
    entry = await db[OUTBOX].find_one({"_id": notification["event_id"]})
    assert entry["status"] == "sent" and "claimed_ms" not in entry  # the web sent it
