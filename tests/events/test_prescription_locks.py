"""Prescriptions lock once their window is over: by the stream timer on time, by the
scheduler's sweep as a safety net, exactly once whoever comes first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import pytest
from bson import ObjectId

from actors.broker import configure_broker
from config.settings import Settings
from domain.events import Actor, Subject, new_event, publish
from domain.records.prescription_lock import lock_if_due
from domain.shared.transaction import transaction
from infra.mongo import create_mongo_client
from tests.events.support import eventually
from tests.support.jobs import jobs_run


async def _prescription(db: Any, client: Any, editable_until: datetime, announce: bool) -> str:
    prescription_id = ObjectId()
    patient, doctor = str(ObjectId()), str(ObjectId())
    async with transaction(client) as session:
        await db.prescriptions.insert_one(
            {
                "_id": prescription_id,
                "status": "active",
                "patient_id": patient,
                "doctor_id": doctor,
                "editable_until": editable_until,
            },
            session=session,
        )
        if announce:
            event = new_event(
                "prescription.created",
                actor=Actor(id=doctor, role="doctor"),
                subject=Subject(type="prescription", id=str(prescription_id)),
                patient_id=patient,
                data={
                    "patient_id": patient,
                    "doctor_id": doctor,
                    "editable_until": editable_until.isoformat().replace("+00:00", "Z"),
                },
            )
            await publish(db, event, session=session)
    return str(prescription_id)


async def _locked_events(db: Any, prescription_id: str) -> int:
    return await db.outbox.count_documents(
        {"event.type": "prescription.locked", "event.subject.id": prescription_id}
    )


async def test_concurrent_lockers_lock_once(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    prescription_id = await _prescription(
        db, client, datetime.now(UTC) - timedelta(seconds=1), announce=False
    )
    others = [create_mongo_client(settings.mongo) for _ in range(3)]

    async def attempt(c: Any) -> bool:
        try:
            return await lock_if_due(c, c[settings.mongo.db], prescription_id)
        except Exception:  # a write conflict between transactions counts as "not me"
            return False

    results = await asyncio.gather(*(attempt(c) for c in [client, *others]))
    assert results.count(True) == 1
    assert await _locked_events(db, prescription_id) == 1
    assert not await lock_if_due(client, db, prescription_id)  # later calls find it done
    doc = await db.prescriptions.find_one({"_id": ObjectId(prescription_id)})
    assert doc["status"] == "locked" and doc["locked_at"]
    for c in [client, *others]:
        c.close()


async def test_an_open_window_is_left_alone(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    prescription_id = await _prescription(
        db, client, datetime.now(UTC) + timedelta(hours=1), announce=False
    )
    assert not await lock_if_due(client, db, prescription_id)
    assert await _locked_events(db, prescription_id) == 0
    client.close()


@pytest.mark.e2e
async def test_the_stream_timer_locks_on_time(platform, settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    platform.start("streams")
    prescription_id = await _prescription(
        db, client, datetime.now(UTC) + timedelta(seconds=3), announce=True
    )

    async def locked() -> bool:
        doc = await db.prescriptions.find_one({"_id": ObjectId(prescription_id)})
        return doc["status"] == "locked"

    await eventually(locked, 90)
    # The lock's own event goes out through the outbox and reaches the audit trail.
    await eventually(
        lambda: db.audit_logs.find_one(
            {"event_type": "prescription.locked", "resource_id": prescription_id}
        ),
        30,
    )
    await asyncio.sleep(2)  # a few more timer ticks: still locked once
    assert await _locked_events(db, prescription_id) == 1
    client.close()


@pytest.mark.e2e
async def test_the_scheduler_sweep_locks_what_the_timer_missed(
    platform, settings: Settings
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    overdue = [
        await _prescription(db, client, datetime.now(UTC) - timedelta(minutes=5), announce=False)
        for _ in range(3)
    ]
    platform.start("worker")
    platform.start("scheduler")  # runs its sweep at start, then every minute

    async def all_locked() -> bool:
        statuses = [
            (await db.prescriptions.find_one({"_id": ObjectId(i)}))["status"] for i in overdue
        ]
        return all(s == "locked" for s in statuses)

    await eventually(all_locked, 60)
    configure_broker(settings)
    import actors.registry  # noqa: F401

    dramatiq.get_broker().get_actor("records.sweep_prescription_locks").send()  # once more
    # The sweep has run, and so has every lock job it fanned out.
    assert await jobs_run(settings, "records")
    for prescription_id in overdue:
        assert await _locked_events(db, prescription_id) == 1
    client.close()
