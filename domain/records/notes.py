"""Consultation notes: append-only. A note is never edited or deleted; a correction is a
new note. Each is a document of its own with its author and time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.events import Actor, EventContext, EventType, publish
from domain.records.access import require_owner, visible_record
from domain.records.collections import CONSULTATIONS, NOTES
from domain.records.events import record_event
from domain.records.text import required_text
from domain.shared.clock import iso_z, utcnow
from domain.shared.transaction import run_in_transaction

MAX_NOTE = 20_000


def new_note(
    consultation: dict[str, Any], author: Actor, text: str, now: datetime
) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "consultation_id": str(consultation["_id"]),
        "patient_id": consultation["patient_id"],
        "doctor_id": consultation["doctor_id"],
        "author_id": author.id,
        "author_role": author.role,
        "text": text,
        "created_at": now,
    }


def note_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "consultation_id": doc["consultation_id"],
        "author_id": doc["author_id"],
        "text": doc["text"],
        "created_at": iso_z(doc["created_at"]),
    }


async def add_note(
    client: Any,
    db: Any,
    caller: Actor,
    consultation_id: str,
    body: dict[str, Any],
    context: EventContext | None = None,
) -> dict[str, Any]:
    consultation = await visible_record(db, caller, CONSULTATIONS, consultation_id, "consultation")
    require_owner(consultation, caller, "doctor_id", "consultation")
    note = new_note(
        consultation, caller, required_text(body.get("text"), "text", MAX_NOTE), utcnow()
    )

    async def write(session: Any) -> None:
        await db[NOTES].insert_one(note, session=session)
        await publish(
            db,
            record_event(
                EventType.CONSULTATION_NOTE_ADDED,
                caller,
                "consultation",
                consultation,
                context,
                note_id=str(note["_id"]),
            ),
            session=session,
        )

    await run_in_transaction(client, write)
    return note_view(note)
