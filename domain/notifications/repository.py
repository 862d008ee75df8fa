"""Stored in-app notifications: one per (event, recipient), however often the event comes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.notifications.models import FINISHED, LAPSED, NOTIFICATIONS, PENDING, SKIPPED, Message
from domain.notifications.preferences import merged, stored_preferences, wants
from domain.notifications.quiet_hours import held_until, quiet_hours_from
from domain.shared.clock import as_utc, utcnow
from domain.shared.counting import page_and_total


@dataclass(frozen=True)
class Stored:
    user_id: str
    created: bool  # False when the event had already been handled for this user
    email_due: bool
    push_due: bool
    doc: dict[str, Any]  # as stored (or as found, when the event had already been handled)

    @property
    def id(self) -> str:
        return str(self.doc["_id"])

    @property
    def deliver_after(self) -> datetime | None:
        """Until when email and push wait for the recipient's quiet hours to end."""
        value = self.doc.get("deliver_after")
        return as_utc(value) if value else None


async def ensure_notification_indexes(db: Any) -> None:
    notifications = db[NOTIFICATIONS]
    await notifications.create_index("dedupe_key", unique=True)
    await notifications.create_index([("user_id", 1), ("created_at", -1)])
    await notifications.create_index("subject_id")


async def store(db: Any, event: dict[str, Any], message: Message) -> Stored:
    """Insert the in-app notification, with each channel due or skipped per preferences,
    and, when it comes during the recipient's quiet hours, `deliver_after` their end; or,
    when those end only after the message lapses (`Message.lapses_at`), lapsed at once.

    Idempotent: a redelivered event finds its notification by `dedupe_key` and reports
    which channels are still owed, so a crash between storing and enqueueing heals.
    """
    stored = await stored_preferences(db, message.user_id)
    switches = merged(stored)
    email_due = wants(switches, "email", message.category)
    push_due = wants(switches, "push", message.category)
    now = utcnow()
    dedupe_key = f"{event['id']}:{message.user_id}"
    doc: dict[str, Any] = {
        "_id": str(ObjectId()),
        "dedupe_key": dedupe_key,
        "user_id": message.user_id,
        "event_id": str(event["id"]),
        "event_type": event.get("type"),
        "subject_type": (event.get("subject") or {}).get("type"),
        "subject_id": (event.get("subject") or {}).get("id"),
        "category": message.category,
        "title": message.title,
        "body": message.body,
        "link": message.link,
        "read": False,
        "created_at": now,
        "email_status": PENDING if email_due else SKIPPED,
        "push_status": PENDING if push_due else SKIPPED,
    }
    if message.lapses_at is not None:
        doc["lapses_at"] = message.lapses_at
    if email_due or push_due:
        held = held_until(quiet_hours_from(stored), message.category, now)
        if held is not None and message.lapses_at is not None and held >= message.lapses_at:
            # Sent when the quiet hours end, it would offer what is gone by then.
            for channel, due in (("email", email_due), ("push", push_due)):
                if due:
                    doc[f"{channel}_status"] = LAPSED
        elif held is not None:
            doc["deliver_after"] = held
    created = True
    try:
        await db[NOTIFICATIONS].insert_one(doc)
    except DuplicateKeyError:
        created = False
        existing = await db[NOTIFICATIONS].find_one({"dedupe_key": dedupe_key})
        if existing is None:  # pragma: no cover - deleted in between
            raise
        doc = existing
    return Stored(
        user_id=message.user_id,
        created=created,
        email_due=doc.get("email_status") not in FINISHED,
        push_due=doc.get("push_status") not in FINISHED,
        doc=doc,
    )


async def get(db: Any, notification_id: str) -> dict[str, Any] | None:
    return await db[NOTIFICATIONS].find_one({"_id": notification_id})


async def list_for(
    db: Any, user_id: str, *, unread_only: bool = False, skip: int = 0, limit: int = 20
) -> tuple[list[dict[str, Any]], int]:
    query: dict[str, Any] = {"user_id": user_id}
    if unread_only:
        query["read"] = False
    newest_first = [("created_at", -1), ("_id", -1)]
    return await page_and_total(db[NOTIFICATIONS], query, newest_first, skip, limit)


async def mark_read(db: Any, user_id: str, notification_id: str | None = None) -> int:
    """Mark one notification (or all of the user's) read; scoped to the user."""
    query: dict[str, Any] = {"user_id": user_id, "read": False}
    if notification_id is not None:
        query["_id"] = notification_id
    result = await db[NOTIFICATIONS].update_many(
        query, {"$set": {"read": True, "read_at": datetime.now(UTC)}}
    )
    return int(result.modified_count)
