"""A channel switched off after a notification was stored is not delivered any more: not
what quiet hours hold back, not what waits in a queue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.notifications.devices import register_device
from domain.notifications.mapping import messages_for
from domain.notifications.models import FINISHED
from domain.notifications.repository import Stored, ensure_notification_indexes, store
from tests.events.support import eventually, sent_emails, sent_pushes
from tests.notifications.deliveries import channel_statuses, deliver_in_worker
from tests.support.people import Person, make_person

pytestmark = pytest.mark.e2e

PREFERENCES = "/api/v1/notifications/preferences"


async def held_notification(client: Any, db: Any, settings: Settings) -> tuple[Person, Stored]:
    """A patient in quiet hours (an hour ago until three hours from now) and a notification
    of a confirmed appointment, stored and held until they end."""
    await ensure_notification_indexes(db)
    patient = await make_person(db, settings, "patient")
    await register_device(db, patient.id, f"sub-{patient.id}", "android")
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + timedelta(hours=3)).strftime("%H:%M"),
        "timezone": "UTC",
    }
    response = await client.put(PREFERENCES, headers=patient.headers, json={"quiet_hours": window})
    assert response.status_code == 200, response.text
    event = {
        "id": f"ev-{ObjectId()}",
        "type": "appointment.confirmed",
        "actor": {"id": str(ObjectId()), "role": "doctor"},
        "subject": {"type": "appointment", "id": str(ObjectId())},
        "data": {"patient_id": patient.id, "doctor_id": str(ObjectId())},
    }
    [message] = [m for m in messages_for(event, "https://app.example") if m.user_id == patient.id]
    stored = await store(db, event, message)
    assert stored.deliver_after is not None and stored.email_due and stored.push_due
    return patient, stored


async def test_email_switched_off_during_quiet_hours_is_skipped_and_never_sent(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    patient, held = await held_notification(client, db, settings)
    response = await client.put(
        PREFERENCES, headers=patient.headers, json={"email": {"appointments": False}}
    )
    assert response.status_code == 200 and response.json()["email"]["appointments"] is False
    # Skipped at once; the push of the same notification still waits for the morning.
    assert await channel_statuses(db, held.id) == ("skipped", "pending")
    doc = await db.notifications.find_one({"_id": held.id})
    assert doc["email_reason"] == "preference_off"

    # The night ends early (the window removed): the jobs run, the push goes, no email.
    response = await client.put(PREFERENCES, headers=patient.headers, json={"quiet_hours": None})
    assert response.status_code == 200
    deliver_in_worker(platform, settings, [held.id])

    async def pushed() -> bool:
        return await channel_statuses(db, held.id) == ("skipped", "sent")

    await eventually(pushed, 60)
    await asyncio.sleep(0.5)  # the sinks write their files as the messages arrive
    assert sent_emails(data_dir, {held.id}) == []
    assert len(sent_pushes(data_dir, {held.id})) == 1


async def test_a_held_job_reads_the_switch_when_it_runs(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    """The switch turned off while the notification was being stored (after the store read
    the preferences, before it wrote): nothing pending to skip then, so the job, when the
    quiet hours no longer hold it, reads the switch itself."""
    patient, held = await held_notification(client, db, settings)
    await db.notification_preferences.update_one(
        {"_id": patient.id},
        {"$set": {"email.appointments": False}, "$unset": {"quiet_hours": ""}},
    )
    deliver_in_worker(platform, settings, [held.id])

    async def done() -> bool:  # both channels ended ("sending" is not yet)
        return all(status in FINISHED for status in await channel_statuses(db, held.id))

    await eventually(done, 60)
    assert await channel_statuses(db, held.id) == ("skipped", "sent")
    doc = await db.notifications.find_one({"_id": held.id})
    assert doc["email_reason"] == "preference_off"
    await asyncio.sleep(0.5)
    assert sent_emails(data_dir, {held.id}) == []
