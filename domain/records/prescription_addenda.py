"""Prescription addenda: what a doctor adds to a prescription once its content is final.

A locked prescription is never edited; a correction or a precision is an addendum, kept
with its author and time next to the unchanged medications. Addenda are append-only (no
route edits or removes one) and are allowed whatever the status, so a doctor need not
know whether the edit window has just ended. Like consultation notes, each is a document
of its own, never pushed into the prescription's (see domain/records/collections.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.events import Actor, EventContext, EventType, publish
from domain.records.access import require_owner, visible_record
from domain.records.collections import PRESCRIPTION_ADDENDA, PRESCRIPTIONS
from domain.records.events import record_event
from domain.records.text import required_text
from domain.shared.clock import iso_z, utcnow
from domain.shared.errors import Conflict
from domain.shared.transaction import run_in_transaction

MAX_ADDENDUM = 5000
# Keeps a prescription's page bounded. Held by a counter on the prescription, raised in the
# addendum's transaction only while below the limit: appends at the same instant cannot
# pass it (counting the addenda before inserting let ten at once make 105).
MAX_ADDENDA = 100
COUNT = "addenda_count"


def addendum_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "prescription_id": doc["prescription_id"],
        "author_id": doc["author_id"],
        "text": doc["text"],
        "created_at": iso_z(doc["created_at"]),
    }


def new_addendum(
    prescription: dict[str, Any], author: Actor, text: str, now: datetime
) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "prescription_id": str(prescription["_id"]),
        "patient_id": prescription["patient_id"],
        "doctor_id": prescription["doctor_id"],
        "author_id": author.id,
        "text": text,
        "created_at": now,
    }


async def addenda_of(db: Any, prescription_id: str) -> list[dict[str, Any]]:
    """Oldest first, as they were written."""
    cursor = (
        db[PRESCRIPTION_ADDENDA]
        .find({"prescription_id": prescription_id})
        .sort([("created_at", 1), ("_id", 1)])
    )
    return [addendum_view(doc) async for doc in cursor]


async def add_addendum(
    client: Any,
    db: Any,
    caller: Actor,
    prescription_id: str,
    body: dict[str, Any],
    context: EventContext | None = None,
) -> dict[str, Any]:
    """Its doctor appends an addendum: 404 for whoever may not see the prescription, 403
    for another doctor of the care team, 409 past MAX_ADDENDA."""
    text = required_text(body.get("text"), "text", MAX_ADDENDUM)
    prescription = await visible_record(db, caller, PRESCRIPTIONS, prescription_id, "prescription")
    require_owner(prescription, caller, "doctor_id", "prescription")
    if await _addenda_counted(db, prescription) >= MAX_ADDENDA:
        raise Conflict(f"the prescription already has {MAX_ADDENDA} addenda")
    addendum = new_addendum(prescription, caller, text, utcnow())

    async def write(session: Any) -> None:
        counted = await db[PRESCRIPTIONS].update_one(
            {"_id": prescription["_id"], COUNT: {"$lt": MAX_ADDENDA}},
            {"$inc": {COUNT: 1}},
            session=session,
        )
        if counted.matched_count == 0:  # the last places went to appends at the same time
            raise Conflict(f"the prescription already has {MAX_ADDENDA} addenda")
        await db[PRESCRIPTION_ADDENDA].insert_one(addendum, session=session)
        await publish(
            db,
            record_event(
                EventType.PRESCRIPTION_ADDENDUM_ADDED,
                caller,
                "prescription",
                prescription,
                context,
                addendum_id=str(addendum["_id"]),
            ),
            session=session,
        )

    await run_in_transaction(client, write)
    return addendum_view(addendum)


async def _addenda_counted(db: Any, prescription: dict[str, Any]) -> int:
    """The prescription's addenda counter, set from the addenda themselves on its first
    use (prescriptions written before it was kept have none)."""
    if COUNT in prescription:
        return int(prescription[COUNT])
    count = await db[PRESCRIPTION_ADDENDA].count_documents(
        {"prescription_id": str(prescription["_id"])}
    )
    await db[PRESCRIPTIONS].update_one(
        {"_id": prescription["_id"], COUNT: {"$exists": False}}, {"$set": {COUNT: count}}
    )
    return count
