"""Delivery claims: a job claims its own notification's channel and nothing else."""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient

from config.settings import Settings
from domain.notifications import delivery
from domain.notifications.models import NOTIFICATIONS, SENDING, SENT, Message
from domain.notifications.repository import ensure_notification_indexes, store
from tests.events.support import add_user


async def _stored(db: Any, user: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        event = {"id": f"claim-{i}-{user}", "type": "appointment.confirmed"}
        message = Message(user, "appointments", "Appointment update", f"Update {i}.", "http://x/")
        ids.append((await store(db, event, message)).id)
    return ids


async def test_claiming_a_sent_email_leaves_other_expired_claims_alone(
    db: Any, settings: Settings
) -> None:
    await ensure_notification_indexes(db)
    sync_db = MongoClient(settings.mongo.url, tz_aware=True)[settings.mongo.db]
    sent, abandoned = await _stored(db, await add_user(db), 2)
    first = delivery.claim(sync_db, sent, "email")
    assert delivery.commit(sync_db, sent, "email", first.token)
    # A job that died holding `abandoned`: its lease has run out.
    crashed = delivery.claim(sync_db, abandoned, "email", lease_seconds=0)
    assert crashed.outcome == "claimed"

    again = delivery.claim(sync_db, sent, "email")  # a redelivered job for the sent one

    assert again.outcome == "done" and again.notification["_id"] == sent
    left = sync_db[NOTIFICATIONS].find_one({"_id": abandoned})
    assert (left["email_status"], left["email_claim"]) == (SENDING, crashed.token)
    taken_over = delivery.claim(sync_db, abandoned, "email")
    assert taken_over.outcome == "claimed" and taken_over.notification["_id"] == abandoned
    assert sync_db[NOTIFICATIONS].find_one({"_id": sent})["email_status"] == SENT
    sync_db.client.close()
