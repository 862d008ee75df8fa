"""Where referrals are stored. `domain.care` reads this collection too: any referral but a
declined one gives its receiving doctor a care relationship with the patient."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from domain.shared.counting import page_and_total

REFERRALS = "referrals"

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    REFERRALS: [[("from_doctor_id", 1)], [("to_doctor_id", 1)], [("patient_id", 1)]],
}


def object_id(value: Any) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


async def insert(db: Any, doc: dict[str, Any], session: Any) -> None:
    await db[REFERRALS].insert_one(doc, session=session)


async def get(db: Any, referral_id: str) -> dict[str, Any] | None:
    oid = object_id(referral_id)
    return None if oid is None else await db[REFERRALS].find_one({"_id": oid})


async def move(
    db: Any,
    referral_id: ObjectId,
    from_status: str,
    changes: dict[str, Any],
    session: Any,
    **still: Any,
) -> dict[str, Any] | None:
    """Apply `changes` only while the status is still `from_status` (compare-and-set), so
    of two concurrent decisions exactly one wins; `still` adds fields that must still hold
    their value."""
    return await db[REFERRALS].find_one_and_update(
        {"_id": referral_id, "status": from_status, **still},
        {"$set": changes},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def page(
    db: Any, query: dict[str, Any], skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    return await page_and_total(db[REFERRALS], query, [("_id", -1)], skip, limit)
