"""Locking a prescription once its edit window has passed, exactly once.

The stream timer, the scheduler's sweep and the write-time check all call `lock_if_due`:
one conditional update (still `active`, window over) flips the status and records
`prescription.locked` in the same transaction, so whichever path comes first locks it and
the others find nothing to do.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from domain.events import EventType, Subject, new_event, publish
from domain.events.envelope import SYSTEM
from domain.shared.transaction import transaction

PRESCRIPTIONS = "prescriptions"


def _id_candidates(prescription_id: str) -> list[Any]:
    candidates: list[Any] = [prescription_id]
    with contextlib.suppress(InvalidId, TypeError):
        candidates.append(ObjectId(prescription_id))
    return candidates


async def lock_if_due(
    client: Any, db: Any, prescription_id: str, now: datetime | None = None
) -> bool:
    """Lock the prescription if it is active and past `editable_until`; True if this call did."""
    now = now or datetime.now(UTC)
    async with transaction(client) as session:
        doc = await db[PRESCRIPTIONS].find_one_and_update(
            {
                "_id": {"$in": _id_candidates(prescription_id)},
                "status": "active",
                "editable_until": {"$lte": now},
            },
            {"$set": {"status": "locked", "locked_at": now}},
            session=session,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return False
        patient_id = str(doc["patient_id"]) if doc.get("patient_id") else None
        doctor_id = str(doc["doctor_id"]) if doc.get("doctor_id") else None
        event = new_event(
            EventType.PRESCRIPTION_LOCKED,
            actor=SYSTEM,
            subject=Subject(type="prescription", id=str(doc["_id"])),
            patient_id=patient_id,
            data={"patient_id": patient_id, "doctor_id": doctor_id, "locked_at": now.isoformat()},
        )
        await publish(db, event, session=session)
    return True


async def due_prescriptions(db: Any, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Active prescriptions whose window is over: what the sweep hands to the lock actor."""
    now = now or datetime.now(UTC)
    cursor = (
        db[PRESCRIPTIONS]
        .find({"status": "active", "editable_until": {"$lte": now}}, {"_id": 1})
        .limit(limit)
    )
    return [str(doc["_id"]) async for doc in cursor]
