"""A device removed at sign-out gets no push from then on (a real worker delivers)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import dramatiq
import pytest

from config.settings import Settings
from domain.notifications.models import Message
from domain.notifications.repository import ensure_notification_indexes, store
from tests.events.support import eventually, sent_pushes
from tests.notifications.deliveries import deliver_in_worker
from tests.support.people import make_person

DEVICES = "/api/v1/notifications/devices"


async def _notification_for(db: Any, user_id: str) -> str:
    event = {"id": str(uuid.uuid4()), "type": "appointment.confirmed"}
    message = Message(
        user_id, "appointments", "Appointment update", "You have an appointment update.",
        "http://app.test/appointments/a1",
    )  # fmt: skip
    return (await store(db, event, message)).id


@pytest.mark.e2e
async def test_a_removed_device_gets_no_more_pushes(
    client: Any, db: Any, settings: Settings, platform: Any, data_dir: Path
) -> None:
    await ensure_notification_indexes(db)
    me = await make_person(db, settings, "patient")
    shared_phone, own_tablet = f"sub-phone-{uuid.uuid4().hex}", f"sub-tablet-{uuid.uuid4().hex}"
    for subscription in (shared_phone, own_tablet):
        body = {"subscription_id": subscription, "platform": "android"}
        assert (await client.post(DEVICES, json=body, headers=me.headers)).status_code == 201

    # Signing out of the shared phone.
    assert (await client.delete(f"{DEVICES}/{shared_phone}", headers=me.headers)).status_code == 204
    first = await _notification_for(db, me.id)
    deliver_in_worker(platform, settings, [first])

    async def pushed(notification_id: str) -> list[dict[str, Any]]:
        return sent_pushes(data_dir, {notification_id})

    [push] = await eventually(lambda: pushed(first), 60)
    assert push["body"]["include_subscription_ids"] == [own_tablet]

    # The last device removed: nothing is pushed at all, and nothing is recorded as sent.
    assert (await client.delete(f"{DEVICES}/{own_tablet}", headers=me.headers)).status_code == 204
    second = await _notification_for(db, me.id)
    dramatiq.get_broker().get_actor("notifications.send_push").send(second)  # same worker

    async def push_finished() -> str | None:
        doc = await db.notifications.find_one({"_id": second})
        return doc["push_status"] if doc["push_status"] in ("sent", "skipped") else None

    assert await eventually(push_finished, 60) == "skipped"
    assert sent_pushes(data_dir, {second}) == []
