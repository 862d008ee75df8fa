"""What the event tests share: waiting, reading the mail and push sinks, seeding users."""

from __future__ import annotations

import asyncio
import email
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from bson import ObjectId

from config.settings import Settings
from domain.events import Actor, Event, Subject, new_event, publish
from domain.shared.transaction import transaction


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 60.0, every: float = 0.2
) -> Any:
    """Poll `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def sent_emails(data_dir: Path, notification_ids: set[str]) -> list[str]:
    """Notification ids of the emails the SMTP sink received, one entry per message."""
    found: list[str] = []
    for path in (data_dir / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        ident = message.get("X-Esante-Notification")
        if ident in notification_ids:
            found.append(ident)
    return found


async def wait_until_emails_sent(db: Any, count: int, timeout: float) -> None:
    """Wait until `count` notifications record their email as sent; on timeout, say what
    the others record (a claim nobody finished, a dead delivery, ...)."""
    deadline = time.monotonic() + timeout
    while await db.notifications.count_documents({"email_status": "sent"}) < count:
        if time.monotonic() > deadline:
            others = await db.notifications.find({"email_status": {"$ne": "sent"}}).to_list(20)
            states = [{k: v for k, v in doc.items() if k.startswith("email")} for doc in others]
            raise AssertionError(f"not all {count} emails sent within {timeout}s: {states}")
        await asyncio.sleep(0.2)


async def assert_each_email_once(db: Any, data_dir: Path, wanted: set[str]) -> None:
    """Every wanted notification is in the sink exactly once; otherwise say what the store
    recorded for each missing or doubled one (status, attempts), which tells a crash before
    the commit from one after it."""
    delivered = sent_emails(data_dir, wanted)
    counts = {ident: delivered.count(ident) for ident in wanted}
    wrong = {ident: n for ident, n in counts.items() if n != 1}
    if not wrong:
        return
    records = {
        str(doc["_id"]): {k: doc.get(k) for k in ("email_status", "email_attempts", "email_error")}
        for doc in await db.notifications.find({"_id": {"$in": list(wrong)}}).to_list(None)
    }
    report = {ident: {"in_sink": n, **records.get(ident, {})} for ident, n in wrong.items()}
    raise AssertionError(f"{len(wrong)} of {len(wanted)} emails not delivered once: {report}")


def sent_pushes(data_dir: Path, notification_ids: set[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in (data_dir / "push").glob("*.json"):
        record = json.loads(path.read_text())
        ident = ((record.get("body") or {}).get("data") or {}).get("notification_id")
        if ident in notification_ids:
            found.append(record)
    return found


async def add_user(db: Any, role: str = "patient") -> str:
    user_id = ObjectId()
    await db.users.insert_one(
        {"_id": user_id, "email": f"{role}-{user_id}@example.org", "role": role}
    )
    return str(user_id)


def appointment_confirmed(patient_id: str, doctor_id: str) -> Event:
    appointment_id = str(ObjectId())
    return new_event(
        "appointment.confirmed",
        actor=Actor(id=doctor_id, role="doctor"),
        subject=Subject(type="appointment", id=appointment_id),
        patient_id=patient_id,
        data={"patient_id": patient_id, "doctor_id": doctor_id, "start": "2030-01-01T09:00:00Z"},
    )


async def confirm_appointment(client: Any, db: Any, patient_id: str, doctor_id: str) -> Event:
    """A confirmed appointment and its event, written in one transaction as a service does."""
    event = appointment_confirmed(patient_id, doctor_id)
    async with transaction(client) as session:
        await db.appointments.insert_one(
            {"_id": event.subject.id, "status": "confirmed"}, session=session
        )
        await publish(db, event, session=session)
    return event


async def received_on(settings: Settings, topic: str, ids: set[str], expected: int) -> list[str]:
    """Ids among `ids` found on `topic`, read from the start, once each as delivered."""
    # Partitions assigned by hand, not through a consumer group: joining one costs the
    # broker's rebalance round (seconds) and reads nothing the assignment would not.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[str] = []
    try:
        partitions = consumer.partitions_for_topic(topic)
        assert partitions, f"no partitions for topic {topic!r}"
        consumer.assign([TopicPartition(topic, partition) for partition in sorted(partitions)])
        await consumer.seek_to_beginning()
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batch:
                idle += 1
                continue
            idle = 0 if len(seen) < expected else idle + 1
            for messages in batch.values():
                for message in messages:
                    event_id = json.loads(message.value)["id"]
                    if event_id in ids:
                        seen.append(event_id)
    finally:
        await consumer.stop()
    return seen
