"""A notification about something that runs out (a waiting-list offer, held 15 minutes)
sends no email or push once it has: not from a backlog, not after quiet hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.events import EventType
from domain.notifications.devices import register_device
from domain.notifications.mapping import messages_for
from domain.notifications.models import FINISHED
from domain.notifications.preferences import update_preferences
from domain.notifications.quiet_hours import QuietHours
from domain.notifications.repository import ensure_notification_indexes, store
from domain.notifications.views import notification_view
from domain.shared.clock import iso_z
from infra.mongo import create_mongo_client
from tests.events.support import eventually, sent_emails, sent_pushes
from tests.notifications.deliveries import channel_statuses, deliver_in_worker


def offer_event(patient_id: str, expires_at: datetime) -> dict[str, Any]:
    """`waitlist.slot_offered` as the waiting list publishes it."""
    return {
        "id": f"offer-{ObjectId()}",
        "type": EventType.WAITLIST_SLOT_OFFERED,
        "actor": {"id": None, "role": "system"},
        "subject": {"type": "waitlist_entry", "id": str(ObjectId())},
        "data": {"patient_id": patient_id, "expires_at": iso_z(expires_at)},
    }


async def a_patient(db: Any) -> str:
    user_id = str(ObjectId())
    await db.users.insert_one({"_id": ObjectId(user_id), "email": f"{user_id}@example.org"})
    await register_device(db, user_id, f"sub-{user_id}", "android")
    return user_id


@pytest.fixture
async def db(settings: Settings) -> Any:
    client = create_mongo_client(settings.mongo)
    database = client[settings.mongo.db]
    await ensure_notification_indexes(database)
    yield database
    client.close()


async def test_an_offer_says_when_it_lapses_and_quiet_hours_ending_later_lapse_it(db) -> None:
    now = datetime.now(UTC)
    patient = await a_patient(db)
    # Quiet from an hour ago until three hours from now, on UTC clocks.
    window = QuietHours(
        time((now - timedelta(hours=1)).hour), time((now + timedelta(hours=3)).hour), "UTC"
    )
    await update_preferences(db, patient, {}, quiet_hours=window)

    expires = now + timedelta(minutes=15)
    [message] = messages_for(offer_event(patient, expires), "https://app.example")
    assert message.lapses_at is not None and abs(message.lapses_at - expires) < timedelta(0, 1)
    short = await store(db, offer_event(patient, expires), message)
    # The window ends after the offer: held until then, email and push would offer a slot
    # that is gone. The inbox has it now, with the instant it lapses.
    assert (short.doc["email_status"], short.doc["push_status"]) == ("lapsed", "lapsed")
    assert not short.email_due and not short.push_due and short.deliver_after is None
    view = notification_view(short.doc)
    assert view["lapses_at"] == iso_z(message.lapses_at) and view["deliver_after"] is None

    # An offer that outlasts the window is only held, as any notification is.
    later = now + timedelta(hours=6)
    [lasting] = messages_for(offer_event(patient, later), "https://app.example")
    held = await store(db, offer_event(patient, later), lasting)
    assert (held.doc["email_status"], held.doc["push_status"]) == ("pending", "pending")
    assert held.deliver_after is not None and held.email_due and held.push_due


@pytest.mark.e2e
async def test_the_worker_sends_an_offer_in_time_and_never_one_that_lapsed(
    platform, db, settings: Settings, data_dir: Path
) -> None:
    now = datetime.now(UTC)
    patient = await a_patient(db)
    ids = {}
    # One still open, one that ran out while its jobs waited (a backlog, a worker down).
    for name, expires in (("open", now + timedelta(minutes=15)), ("gone", now - timedelta(0, 1))):
        event = offer_event(patient, expires)
        [message] = messages_for(event, "https://app.example")
        stored = await store(db, event, message)
        assert stored.email_due and stored.push_due  # due when stored; it lapses in the queue
        ids[name] = stored.id
    deliver_in_worker(platform, settings, ids.values())

    async def statuses(name: str) -> tuple[str, str]:
        return await channel_statuses(db, ids[name])

    async def both_done() -> bool:
        ended = all(status in FINISHED for status in await statuses("gone"))
        return ended and await statuses("open") == ("sent", "sent")

    await eventually(both_done, 60)
    assert await statuses("gone") == ("lapsed", "lapsed")
    await asyncio.sleep(0.5)  # the sinks write their files as the messages arrive
    assert sent_emails(data_dir, {ids["open"]}) == [ids["open"]]
    assert len(sent_pushes(data_dir, {ids["open"]})) == 1
    assert sent_emails(data_dir, {ids["gone"]}) == []
    assert sent_pushes(data_dir, {ids["gone"]}) == []
