"""Consultations: created and amended by their doctor, read by the care team and the patient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.care.relationship import APPOINTMENTS, require_settled_care
from domain.events import Actor, EventContext, EventType, publish
from domain.records.access import require_owner, visible_record
from domain.records.access_audit import record_read
from domain.records.changes import changed_fields
from domain.records.collections import CONSULTATION_VERSIONS, CONSULTATIONS, NOTES, object_id
from domain.records.consultation_versions import new_version, next_version, write_versions
from domain.records.events import record_event
from domain.records.notes import new_note, note_view
from domain.records.text import optional_text, required_id, required_text
from domain.records.vitals import validate_vitals
from domain.shared.clock import iso_z, utcnow
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.shared.merge_patch import merge_patch
from domain.shared.transaction import run_in_transaction

MAX_COMPLAINT = 2000
MAX_DIAGNOSIS = 5000
MAX_NOTE = 20_000
EDITABLE = ("chief_complaint", "diagnosis", "vitals")


def consultation_view(doc: dict[str, Any], notes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "doctor_id": doc["doctor_id"],
        "appointment_id": doc.get("appointment_id"),
        "chief_complaint": doc["chief_complaint"],
        "diagnosis": doc.get("diagnosis"),
        "vitals": doc.get("vitals") or {},
        "version": doc.get("version", 1),
        "notes": [note_view(n) for n in notes],
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }


async def _linked_appointment(db: Any, appointment_id: str, doctor_id: str, patient_id: str) -> str:
    """The appointment must be this doctor's with this patient; anything else is unknown."""
    oid = object_id(appointment_id)
    found = oid is not None and await db[APPOINTMENTS].find_one(
        {
            "_id": oid,
            "doctor_id": doctor_id,
            "patient_id": patient_id,
            "status": {"$ne": "rejected"},
        },
        {"_id": 1},
    )
    if not found:
        raise NotFound("appointment not found", field="appointment_id")
    return appointment_id


async def _notes_of(db: Any, consultation_id: str) -> list[dict[str, Any]]:
    cursor = (
        db[NOTES].find({"consultation_id": consultation_id}).sort([("created_at", 1), ("_id", 1)])
    )
    return [doc async for doc in cursor]


async def create_consultation(
    client: Any,
    db: Any,
    caller: Actor,
    body: dict[str, Any],
    context: EventContext | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    if caller.role != "doctor" or caller.id is None:
        raise Forbidden("only doctors record consultations")
    patient_id = required_id(body.get("patient_id"), "patient_id")
    complaint = required_text(body.get("chief_complaint"), "chief_complaint", MAX_COMPLAINT)
    diagnosis = optional_text(body.get("diagnosis"), "diagnosis", MAX_DIAGNOSIS)
    first_note = optional_text(body.get("notes"), "notes", MAX_NOTE)
    vitals = validate_vitals(body.get("vitals"))
    appointment_id = body.get("appointment_id")
    if appointment_id is not None:
        if not isinstance(appointment_id, str):
            raise InvalidInput("must be an id", field="appointment_id")
        await _linked_appointment(db, appointment_id, caller.id, patient_id)
    # A consultation creates a care relationship of its own, so it needs a settled one to
    # begin with (a requested appointment, even linked here, is not: it may yet be rejected).
    await require_settled_care(db, caller, patient_id, field="patient_id")

    now = now or utcnow()
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "patient_id": patient_id,
        "doctor_id": caller.id,
        "appointment_id": appointment_id,
        "chief_complaint": complaint,
        "diagnosis": diagnosis,
        "vitals": vitals or {},
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    notes = [new_note(doc, caller, first_note, now)] if first_note else []

    async def write(session: Any) -> None:
        await db[CONSULTATIONS].insert_one(doc, session=session)
        await db[CONSULTATION_VERSIONS].insert_one(
            new_version(doc, str(caller.id), now), session=session
        )
        if notes:
            await db[NOTES].insert_one(notes[0], session=session)
        await publish(
            db,
            record_event(
                EventType.CONSULTATION_CREATED,
                caller,
                "consultation",
                doc,
                context,
                appointment_id=appointment_id,
            ),
            session=session,
        )

    await run_in_transaction(client, write)
    return consultation_view(doc, notes)


async def get_consultation(
    db: Any, caller: Actor, consultation_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    doc = await visible_record(db, caller, CONSULTATIONS, consultation_id, "consultation")
    view = consultation_view(doc, await _notes_of(db, consultation_id))
    await record_read(db, caller, "consultation", doc, context)
    return view


async def update_consultation(
    client: Any,
    db: Any,
    caller: Actor,
    consultation_id: str,
    body: dict[str, Any],
    context: EventContext | None = None,
) -> dict[str, Any]:
    doc = await visible_record(db, caller, CONSULTATIONS, consultation_id, "consultation")
    require_owner(doc, caller, "doctor_id", "consultation")
    unknown = [key for key in body if key not in EDITABLE]
    if unknown:
        raise InvalidInput("cannot be changed (notes are added, never edited)", field=unknown[0])
    changes: dict[str, Any] = {}
    if "chief_complaint" in body:
        changes["chief_complaint"] = required_text(
            body["chief_complaint"], "chief_complaint", MAX_COMPLAINT
        )
    if "diagnosis" in body:
        changes["diagnosis"] = optional_text(body["diagnosis"], "diagnosis", MAX_DIAGNOSIS)
    if "vitals" in body:
        validate_vitals(body["vitals"])  # each reading sent, before anything is read
        changes["vitals"] = {}
    if not changes:
        raise InvalidInput("nothing to change", field="body")

    async def write(session: Any) -> dict[str, Any] | None:
        # Read in the transaction: a concurrent amendment makes this one retry (a write
        # conflict) and then number its version after that one.
        before = await db[CONSULTATIONS].find_one(
            {"_id": doc["_id"], "doctor_id": caller.id}, session=session
        )
        if before is None:
            raise NotFound("consultation not found")
        if "vitals" in body:
            # Merged into the readings stored (RFC 7396): correcting the temperature keeps
            # the blood pressure; `null` removes one reading, or all of them.
            merged = merge_patch(before.get("vitals") or {}, body["vitals"])
            changes["vitals"] = validate_vitals(merged) or {}
        if not changed_fields(before, changes):
            return None  # as it is already: no version, no event, no notice to the patient
        now = utcnow()
        updated = await db[CONSULTATIONS].find_one_and_update(
            {"_id": doc["_id"], "doctor_id": caller.id},
            {"$set": {**changes, "updated_at": now, "version": next_version(before)}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if updated is None:
            raise NotFound("consultation not found")
        await write_versions(db, before, updated, caller, now, session)
        await publish(
            db,
            record_event(
                EventType.CONSULTATION_UPDATED,
                caller,
                "consultation",
                updated,
                context,
                fields=sorted(changes),
                version=updated["version"],
            ),
            session=session,
        )
        return updated

    try:
        updated = await run_in_transaction(client, write)
    except DuplicateKeyError:
        # Two amendments numbered the same version: only where the store runs no
        # transactions (a standalone MongoDB), since a transaction makes the second read
        # the first's number. The unique version index refused the second one.
        raise Conflict("the consultation was amended at the same time; reload it") from None
    if updated is None:  # nothing to change: the answer is a read of the record
        await record_read(db, caller, "consultation", doc, context)
        updated = doc
    return consultation_view(updated, await _notes_of(db, consultation_id))
