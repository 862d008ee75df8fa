"""A deactivated account gets neither email nor push, however its flag reads back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo import MongoClient

from config.settings import Settings
from domain.notifications.devices import register_device
from domain.notifications.mapping import messages_for
from domain.notifications.repository import ensure_notification_indexes, store
from tests.events.support import eventually, sent_emails, sent_pushes
from tests.notifications.deliveries import channel_statuses, deliver_in_worker
from tests.support.people import make_person


def cancelled(patient_id: str, doctor_id: str) -> dict[str, Any]:
    return {
        "id": f"ev-{ObjectId()}",
        "type": "appointment.cancelled",
        "actor": {"id": doctor_id, "role": "doctor"},
        "subject": {"type": "appointment", "id": str(ObjectId())},
        "data": {"patient_id": patient_id, "doctor_id": doctor_id},
    }


async def test_a_flag_written_false_and_read_back_as_0_is_deactivated(db, settings) -> None:  # type: ignore[no-untyped-def]
    active, inactive, never_set = ObjectId(), ObjectId(), ObjectId()
    for oid in (active, inactive, never_set):
        await db.users.insert_one({"_id": oid, "email": f"{oid}@example.org", "active": True})
    await db.users.update_one({"_id": never_set}, {"$unset": {"active": ""}})
    # As the admin's PATCH writes it; the embedded store hands it back as 0.
    await db.users.update_one({"_id": inactive}, {"$set": {"active": False}})
    from domain.notifications.recipients import recipient_of

    blocking: MongoClient[Any] = MongoClient(settings.mongo.url)  # as the actors read it
    try:
        users = blocking[settings.mongo.db]
        assert recipient_of(users, str(inactive)) is None
        assert recipient_of(users, str(ObjectId())) is None  # no such account
        assert recipient_of(users, str(active))["email"] == f"{active}@example.org"  # type: ignore[index]
        assert recipient_of(users, str(never_set)) is not None  # active unless said otherwise
    finally:
        blocking.close()


@pytest.mark.e2e
async def test_an_account_deactivated_by_an_admin_gets_no_email_and_no_push(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    await ensure_notification_indexes(db)
    admin = await make_person(db, settings, "admin")
    doctor = await make_person(db, settings, "doctor")
    closed = await make_person(db, settings, "patient")
    still_open = await make_person(db, settings, "patient")
    for person in (closed, still_open):
        await register_device(db, person.id, f"sub-{person.id}", "android")
    response = await client.patch(
        f"/api/v1/admin/users/{closed.id}", json={"active": False}, headers=admin.headers
    )
    assert response.status_code == 200 and response.json()["active"] is False, response.text
    ids = {}
    for person in (closed, still_open):
        event = cancelled(person.id, doctor.id)
        [message] = messages_for(event, "https://app.example")
        ids[person.id] = (await store(db, event, message)).id

    deliver_in_worker(platform, settings, ids.values())

    async def statuses(person_id: str) -> tuple[str, str]:
        return await channel_statuses(db, ids[person_id])

    async def all_done() -> bool:
        found = [status for person_id in ids for status in await statuses(person_id)]
        return all(status in ("sent", "skipped") for status in found)

    await eventually(all_done, 60)
    assert await statuses(still_open.id) == ("sent", "sent")
    assert await statuses(closed.id) == ("skipped", "skipped")
    doc = await db.notifications.find_one({"_id": ids[closed.id]})
    assert doc["email_reason"] == doc["push_reason"] == "account_inactive"
    await asyncio.sleep(0.5)  # the sinks write their files as the messages arrive
    assert sent_emails(data_dir, {ids[closed.id]}) == []
    assert sent_pushes(data_dir, {ids[closed.id]}) == []
    assert sent_emails(data_dir, {ids[still_open.id]}) == [ids[still_open.id]]
