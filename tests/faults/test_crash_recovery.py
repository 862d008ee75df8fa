"""Heavy fault runs (`make faults`): processes killed with SIGKILL under load lose nothing
and deliver nothing twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import dramatiq
import pytest

from actors.broker import configure_broker
from config.settings import Settings
from domain.audit.chain import AUDIT_LOGS, verify
from domain.events import Actor, Subject, new_event, publish
from domain.notifications.models import Message
from domain.notifications.repository import ensure_notification_indexes, store
from tests.events.support import (
    add_user,
    assert_each_email_once,
    eventually,
    sent_emails,
    wait_until_emails_sent,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]
FAST_REQUEUE = {"WORKER_HEARTBEAT_TIMEOUT_MS": "3000"}


async def test_three_worker_kills_during_1000_emails_deliver_each_once(
    platform, settings: Settings, data_dir: Path, db
) -> None:
    await ensure_notification_indexes(db)
    user = await add_user(db, "patient")
    ids = []
    for i in range(1000):
        event = {"id": f"fault-{i}-{user}", "type": "appointment.confirmed"}
        message = Message(user, "appointments", "Appointment update", "Update.", "http://x/")
        ids.append((await store(db, event, message)).id)
    wanted = set(ids)
    worker = platform.start("worker", **FAST_REQUEUE)
    configure_broker(settings)
    import actors.registry  # noqa: F401

    send = dramatiq.get_broker().get_actor("notifications.send_email")
    for notification_id in ids:
        send.send(notification_id)

    for threshold in (150, 450, 750):

        async def reached(at: int = threshold) -> bool:
            return len(sent_emails(data_dir, wanted)) >= at

        await eventually(reached, 180, every=0.05)
        worker.kill()  # SIGKILL mid-burst
        assert len(sent_emails(data_dir, wanted)) < 1000, "the burst ended before the kill"
        worker = platform.start("worker", **FAST_REQUEUE)

    await wait_until_emails_sent(db, 1000, 240)
    await asyncio.sleep(2)  # a duplicate would have landed by now
    await assert_each_email_once(db, data_dir, wanted)


async def test_streams_killed_during_2000_events_loses_none(platform, settings, db) -> None:
    events = [
        new_event("record.accessed", actor=Actor(id="doctor-9", role="doctor"),
                  subject=Subject(type="consultation", id=f"c{i}"), patient_id=f"p{i % 11}")
        for i in range(2000)
    ]  # fmt: skip
    streams = platform.start("streams")
    for start in range(0, 1000, 100):
        await publish(db, *events[start : start + 100])

    async def some() -> bool:
        return await db[AUDIT_LOGS].count_documents({}) >= 300

    await eventually(some, 180)
    streams.kill()
    for start in range(1000, 2000, 100):  # written while no streams process runs
        await publish(db, *events[start : start + 100])
    platform.start("streams")

    async def everything() -> bool:
        return await db[AUDIT_LOGS].count_documents({}) >= 2000

    await eventually(everything, 300)
    recorded = [d["event_id"] async for d in db[AUDIT_LOGS].find({}, {"event_id": 1})]
    assert sorted(recorded) == sorted(e.id for e in events)  # each once
    report = await verify(db, settings.audit.hmac_key.get_secret_value().encode())
    assert report.valid and report.checked == 2000


WRITE_THEN_DIE = """
import asyncio, os, signal, sys
from config.settings import Settings
from domain.events import Actor, Subject, new_event, publish
from domain.shared.transaction import transaction
from infra.mongo import create_mongo_client

async def main():
    settings = Settings()
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    event = new_event("appointment.cancelled", actor=Actor(id="p1", role="patient"),
                      subject=Subject(type="appointment", id="a-crash"), patient_id="p1",
                      data={"patient_id": "p1", "doctor_id": "d1"})
    async with transaction(client) as session:
        await db.appointments.insert_one({"_id": "a-crash", "status": "cancelled"},
                                         session=session)
        await publish(db, event, session=session)
    print(event.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # dies before anything could send the event

asyncio.run(main())
"""


async def test_a_process_killed_between_write_and_publish_loses_no_event(
    platform, settings, db
) -> None:
    env = {**os.environ, "MONGODB_DB": settings.mongo.db}
    result = subprocess.run([sys.executable, "-c", WRITE_THEN_DIE], env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == -9
    event_id = result.stdout.strip()
    assert await db.appointments.find_one({"_id": "a-crash"}) is not None
    assert (await db.outbox.find_one({"_id": event_id}))["status"] == "pending"
    platform.start("streams")  # the relay picks it up: Kafka, then the audit trail

    async def audited() -> bool:
        return await db[AUDIT_LOGS].find_one({"event_id": event_id}) is not None

    await eventually(audited, 120)
