"""End to end through the real processes: a domain write → outbox → Kafka → audit record and
in-app notification → email in the SMTP sink and push in the OneSignal sink."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from config.settings import Settings
from domain.audit.chain import AUDIT_LOGS, verify
from domain.events import publish
from domain.notifications.devices import register_device
from infra.mongo import create_mongo_client
from tests.events.support import (
    add_user,
    appointment_confirmed,
    confirm_appointment,
    eventually,
    sent_emails,
    sent_pushes,
)

pytestmark = pytest.mark.e2e


async def test_a_domain_write_reaches_audit_inbox_mail_and_push(
    platform, settings: Settings, data_dir: Path
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
    await register_device(db, patient, "sub-ok-" + patient, "ios")
    await register_device(db, patient, "invalid-" + patient, "android")
    platform.start("streams")
    platform.start("worker")

    event = await confirm_appointment(client, db, patient, doctor)

    audit = await eventually(lambda: db[AUDIT_LOGS].find_one({"event_id": event.id}), 90)
    assert audit["category"] == "appointment" and audit["action"] == "U"
    assert audit["actor_id"] == doctor and audit["patient_id"] == patient
    notification = await eventually(
        lambda: db.notifications.find_one({"event_id": event.id, "user_id": patient})
    )
    assert notification["link"].startswith("http://app.test/appointments/")
    assert "2030" not in notification["body"]  # no details, just that something happened
    ids = {notification["_id"]}

    async def delivered() -> bool:
        return bool(sent_emails(data_dir, ids)) and bool(sent_pushes(data_dir, ids))

    await eventually(delivered, 30)
    assert sent_emails(data_dir, ids) == [notification["_id"]]
    push = sent_pushes(data_dir, ids)[0]["body"]
    assert push["contents"]["en"] == "You have an appointment update."
    assert sorted(push["include_subscription_ids"]) == sorted(
        ["sub-ok-" + patient, "invalid-" + patient]
    )

    async def invalid_device_removed() -> bool:
        return await db.devices.count_documents({"user_id": patient}) == 1

    await eventually(invalid_device_removed, 10)
    entry = await db.outbox.find_one({"_id": event.id})
    assert entry["status"] == "sent"
    key = settings.audit.hmac_key.get_secret_value().encode()
    assert (await verify(db, key)).valid
    client.close()


async def test_a_duplicated_event_is_recorded_and_notified_once(
    platform, settings: Settings, data_dir: Path
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
    platform.start("streams")
    platform.start("worker")
    event = appointment_confirmed(patient, doctor)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        for _ in range(3):  # as a relay resending after a crash would
            await producer.send_and_wait(
                "appointments.events",
                json.dumps(event.to_message()).encode(),
                key=patient.encode(),
            )
    finally:
        await producer.stop()
    await eventually(lambda: db[AUDIT_LOGS].find_one({"event_id": event.id}), 90)
    notification = await eventually(lambda: db.notifications.find_one({"event_id": event.id}))
    ids = {notification["_id"]}
    await eventually(lambda: _async(bool(sent_emails(data_dir, ids))), 30)
    # A later marker event proves the duplicates were consumed before counting.
    marker = appointment_confirmed(patient, doctor)
    await publish(db, marker)
    await eventually(lambda: db[AUDIT_LOGS].find_one({"event_id": marker.id}), 60)
    assert await db[AUDIT_LOGS].count_documents({"event_id": event.id}) == 1
    # The doctor confirmed it: only the patient hears of it, once.
    assert await db.notifications.count_documents({"event_id": event.id}) == 1
    assert sent_emails(data_dir, ids) == [notification["_id"]]
    client.close()


async def _async(value: object) -> object:
    return value
