"""Crashes lose nothing: a streams worker killed mid-run, a Dramatiq worker killed during a
burst of emails, and a job that can never succeed ends in the dead-letter queue."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from bson import ObjectId

from actors.broker import configure_broker
from config.settings import Settings
from domain.audit.chain import AUDIT_LOGS, verify
from domain.events import Actor, Subject, new_event, publish
from domain.notifications.models import Message
from domain.notifications.repository import ensure_notification_indexes, store
from infra.mongo import create_mongo_client
from tests.events.support import (
    add_user,
    assert_each_email_once,
    eventually,
    sent_emails,
    wait_until_emails_sent,
)
from tests.support.jobs import queued_jobs

pytestmark = pytest.mark.e2e


def _access_event(i: int) -> Any:
    return new_event(
        "record.accessed",
        actor=Actor(id="doctor-1", role="doctor"),
        subject=Subject(type="consultation", id=f"c{i}"),
        patient_id=f"p{i % 7}",
    )


async def test_killing_the_streams_worker_mid_run_loses_no_event(
    platform, settings: Settings
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    streams = platform.start("streams")
    events = [_access_event(i) for i in range(120)]
    await publish(db, *events[:60])

    async def some_recorded() -> bool:
        return await db[AUDIT_LOGS].count_documents({}) >= 10

    await eventually(some_recorded, 90)
    streams.kill()  # kill -9 mid-run: relay and audit both interrupted
    await publish(db, *events[60:])  # written while no streams process runs
    started = time.monotonic()
    platform.start("streams")

    async def all_recorded() -> int:
        count = await db[AUDIT_LOGS].count_documents({})
        return count if count >= len(events) else 0

    await eventually(all_recorded, 90)
    recovery = time.monotonic() - started
    ids = {e.id for e in events}
    recorded = [doc["event_id"] async for doc in db[AUDIT_LOGS].find({}, {"event_id": 1})]
    assert sorted(recorded) == sorted(ids)  # every event, once
    assert await db.outbox.count_documents({"status": "pending"}) == 0
    key = settings.audit.hmac_key.get_secret_value().encode()
    report = await verify(db, key)
    assert report.valid and report.checked == len(events)
    assert recovery < 60, f"restart took {recovery:.0f}s to catch up"
    client.close()


async def _notifications(db: Any, n: int) -> list[str]:
    await ensure_notification_indexes(db)
    user = await add_user(db, "patient")
    ids = []
    for i in range(n):
        event = {"id": f"burst-{i}-{user}", "type": "appointment.confirmed"}
        message = Message(user, "appointments", "Appointment update", "Update.", "http://x/")
        ids.append((await store(db, event, message)).id)
    return ids


async def test_stopping_the_streams_worker_while_a_write_retries_loses_no_event(
    platform, settings: Settings
) -> None:
    """A deploy's SIGTERM while the audit agent retries an append (the store refusing it)
    must not acknowledge that event: the next streams process records it."""
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    streams = platform.start("streams")
    first, stuck, after = (_access_event(i) for i in range(3))

    def recorded(event: Any) -> Any:
        async def check() -> bool:
            return bool(await db[AUDIT_LOGS].find_one({"event_id": event.id}))

        return check

    await publish(db, first)
    await eventually(recorded(first), 90)
    # Rows the chain cannot take as its head (a text seq, the next seq taken): every
    # append fails and the agent retries it in place, as while the store is away.
    blockers = [{"_id": "blocker-a", "seq": "zzz"}, {"_id": "blocker-b", "seq": 2}]
    await db[AUDIT_LOGS].insert_many([{**row, "event_id": row["_id"]} for row in blockers])
    await publish(db, stuck)

    async def sent() -> bool:
        return bool(await db.outbox.count_documents({"_id": stuck.id, "status": "sent"}))

    await eventually(sent, 30)

    async def append_retried() -> bool:  # consumed, its append failed, and failed again
        failures = [line for line in streams.log().splitlines() if "stream_step_failed" in line]
        return sum("audit" in line for line in failures) >= 2

    await eventually(append_retried, 30)
    assert not await recorded(stuck)()
    streams.stop()  # SIGTERM
    await db[AUDIT_LOGS].delete_many({"_id": {"$in": [row["_id"] for row in blockers]}})
    platform.start("streams")
    await publish(db, after)
    await eventually(recorded(after), 90)
    await eventually(recorded(stuck), 30)
    key = settings.audit.hmac_key.get_secret_value().encode()
    report = await verify(db, key)
    assert report.valid and report.checked == 3, report
    client.close()


async def test_killing_a_worker_during_200_emails_delivers_each_once(
    platform, settings: Settings, data_dir: Path
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    ids = await _notifications(db, 200)
    fast_requeue = {"WORKER_HEARTBEAT_TIMEOUT_MS": "3000"}
    worker = platform.start("worker", **fast_requeue)
    configure_broker(settings)
    import actors.registry  # noqa: F401

    send = dramatiq.get_broker().get_actor("notifications.send_email")
    for notification_id in ids:
        send.send(notification_id)
    wanted = set(ids)

    async def some_sent() -> bool:
        return len(sent_emails(data_dir, wanted)) >= 40

    await eventually(some_sent, 60, every=0.05)
    worker.kill()  # kill -9 in the middle of the burst (its processes die with it)
    in_sink_at_kill = len(sent_emails(data_dir, wanted))
    assert in_sink_at_kill < 200, "the burst finished before the kill; nothing was tested"
    platform.start("worker", **fast_requeue)

    await wait_until_emails_sent(db, 200, 90)
    await asyncio.sleep(1)  # any duplicate would have landed by now
    await assert_each_email_once(db, data_dir, wanted)
    client.close()


async def test_a_poison_message_ends_in_the_dead_letter_queue(platform, settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    await ensure_notification_indexes(db)
    user = await add_user(db, "patient")
    await db.users.update_one({"_id": ObjectId(user)}, {"$set": {"email": "no@@where"}})
    event = {"id": f"poison-{user}", "type": "appointment.confirmed"}
    message = Message(user, "appointments", "Appointment update", "Update.", "http://x/")
    notification_id = (await store(db, event, message)).id
    platform.start("worker")
    configure_broker(settings)
    import actors.registry  # noqa: F401

    queued = dramatiq.get_broker().get_actor("notifications.send_email").send(notification_id)

    async def dead_lettered() -> bool:
        # Dead letters are keyed by the broker's own id; the body carries ours.
        dead = queued_jobs(settings, "notifications", due=False, delayed=False, dead=True)
        return any(job["message_id"] == queued.message_id for job in dead)

    await eventually(dead_lettered, 60)
    doc = await db.notifications.find_one({"_id": notification_id})
    assert (
        doc["email_status"] == "dead" and doc["email_attempts"] == settings.worker.max_retries + 1
    )
    await asyncio.sleep(1.5)
    assert not queued_jobs(settings, "notifications")  # not looping
    client.close()
