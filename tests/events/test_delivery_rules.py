"""Who gets mail and push: the referring doctor hears of a booking, deactivated accounts
get no mail, and a chat message is not pushed to someone who has the app open."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import dramatiq
import redis
from bson import ObjectId
from pymongo import MongoClient

from actors.broker import configure_broker
from config.settings import Settings
from domain.messaging.presence import presence_key
from domain.notifications.devices import register_device
from domain.notifications.mapping import messages_for
from domain.notifications.models import DEVICES, Message
from domain.notifications.recipients import recipient_of
from domain.notifications.repository import ensure_notification_indexes, store
from infra.mongo import create_mongo_client
from tests.events.support import eventually, sent_pushes


def test_a_referral_booking_reaches_both_doctors_and_the_patient() -> None:
    event = {
        "id": "e9", "type": "referral.booked", "actor": {"id": "b", "role": "doctor"},
        "subject": {"type": "referral", "id": "r1"}, "patient_id": "pat",
        "data": {"patient_id": "pat", "from_doctor_id": "a", "to_doctor_id": "b"},
    }  # fmt: skip
    assert sorted(m.user_id for m in messages_for(event, "http://app.test")) == ["a", "pat"]


async def test_a_deactivated_account_has_no_mail_address(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    active, inactive = ObjectId(), ObjectId()
    await db.users.insert_many([
        {"_id": active, "email": "on@example.org", "active": True},
        {"_id": inactive, "email": "off@example.org", "active": False},
    ])  # fmt: skip
    client.close()
    blocking = MongoClient(settings.mongo.url)  # as the delivery actors read it
    assert recipient_of(blocking[settings.mongo.db], str(active))["email"] == "on@example.org"  # type: ignore[index]
    assert recipient_of(blocking[settings.mongo.db], str(inactive)) is None
    blocking.close()


async def test_pushes_skip_a_connected_recipient_and_devices_that_are_gone(
    platform, settings: Settings, data_dir: Path
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    await ensure_notification_indexes(db)
    online, offline, gone = str(ObjectId()), str(ObjectId()), str(ObjectId())
    for user in (online, offline, gone):
        await db.users.insert_one({"_id": ObjectId(user), "email": f"{user}@example.org"})
        # `gone` uninstalled the app: OneSignal reports its only subscription invalid.
        prefix = "invalid-" if user == gone else "sub-"
        await register_device(db, user, f"{prefix}{user}", "android")
    # `online` has a socket open on some web process (what the Socket.IO server records).
    redis.Redis.from_url(settings.redis.url).zadd(presence_key(online), {"sid1": time.time() + 60})
    ids = {}
    for user in (online, offline, gone):
        event = {"id": f"m-{user}", "type": "message.sent"}
        message = Message(user, "messages", "New message", "You have a new message.", "http://x")
        ids[user] = (await store(db, event, message)).id
    platform.start("worker")
    configure_broker(settings)
    import actors.registry  # noqa: F401

    for notification_id in ids.values():
        dramatiq.get_broker().get_actor("notifications.send_push").send(notification_id)

    async def all_done() -> bool:
        docs = [await db.notifications.find_one({"_id": i}) for i in ids.values()]
        return all(d["push_status"] in ("sent", "skipped") for d in docs)

    await eventually(all_done, 60)
    assert (await db.notifications.find_one({"_id": ids[online]}))["push_status"] == "skipped"
    assert (await db.notifications.find_one({"_id": ids[offline]}))["push_status"] == "sent"
    # Nothing reached `gone`: not recorded as sent, and the dead device is forgotten.
    assert (await db.notifications.find_one({"_id": ids[gone]}))["push_status"] == "skipped"

    async def forgotten() -> bool:
        return await db[DEVICES].find_one({"user_id": gone}) is None

    await eventually(forgotten, 10)
    await asyncio.sleep(0.5)
    assert len(sent_pushes(data_dir, {ids[offline]})) == 1
    assert sent_pushes(data_dir, {ids[online]}) == []
    client.close()
