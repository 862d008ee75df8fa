"""Where appointments are stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from domain.shared.counting import page_and_total

APPOINTMENTS = "appointments"
REMINDERS_SENT = "appointment_reminders"

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    APPOINTMENTS: [
        [("patient_id", 1), ("start", -1)],
        [("doctor_id", 1), ("start", -1)],
        [("status", 1), ("start", 1)],
        [("doctor_id", 1), ("patient_id", 1)],
        # `from`/`to` of a list (see `local_day`)
        [("patient_id", 1), ("local_date", 1)],
        [("doctor_id", 1), ("local_date", 1)],
    ],
}


def object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


async def get(db: Any, appointment_id: str, session: Any = None) -> dict[str, Any] | None:
    oid = object_id(appointment_id)
    if oid is None:
        return None
    return await db[APPOINTMENTS].find_one({"_id": oid}, session=session)


async def insert(db: Any, doc: dict[str, Any], session: Any) -> None:
    await db[APPOINTMENTS].insert_one(doc, session=session)


async def move(
    db: Any,
    appointment_id: ObjectId,
    from_statuses: list[str],
    changes: dict[str, Any],
    session: Any,
) -> dict[str, Any] | None:
    """Apply `changes` only if the status is still one of `from_statuses` (compare-and-set),
    so two concurrent transitions cannot both succeed."""
    from pymongo import ReturnDocument

    return await db[APPOINTMENTS].find_one_and_update(
        {"_id": appointment_id, "status": {"$in": from_statuses}},
        {"$set": changes},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def page(
    db: Any, query: dict[str, Any], skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    return await page_and_total(db[APPOINTMENTS], query, [("start", -1), ("_id", -1)], skip, limit)


async def confirmed_between(db: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    cursor = db[APPOINTMENTS].find(
        {"status": "confirmed", "start": {"$gt": start, "$lte": end}},
        {"_id": 1, "start": 1},
    )
    return [doc async for doc in cursor]
