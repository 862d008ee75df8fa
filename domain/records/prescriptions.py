"""Prescriptions: written by a consultation's doctor, editable for a window, then locked.

The window is enforced when writing: an edit is one conditional update that matches only
an active prescription whose `editable_until` is still ahead, so an edit racing the end of
the window either lands before it or is refused; no read decides it. Each accepted edit
stores the new content as a version of its own. The lock itself (status `locked` and the
`prescription.locked` event, exactly once) is `prescription_lock.lock_if_due`, shared with
the stream timer and the scheduler sweep.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from domain.events import Actor, EventContext, EventType, publish
from domain.records.access import require_owner, visible_record
from domain.records.access_audit import record_read
from domain.records.changes import changed_fields
from domain.records.collections import (
    CONSULTATIONS,
    PRESCRIPTION_VERSIONS,
    PRESCRIPTIONS,
    object_id,
)
from domain.records.events import record_event
from domain.records.medications import validate_medications
from domain.records.paging import paged, patient_records_page
from domain.records.prescription_addenda import addenda_of
from domain.records.prescription_lock import lock_if_due
from domain.records.text import optional_text, required_id
from domain.shared.clock import as_utc, epoch_ms, iso_z, utcnow
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.shared.transaction import run_in_transaction

MAX_NOTES = 5000
EDITABLE = ("medications", "notes")


def status_at(doc: dict[str, Any], now: datetime) -> str:
    """A prescription past its window reads as locked even before a timer flips it."""
    if doc["status"] == "active" and as_utc(doc["editable_until"]) <= now:
        return "locked"
    return str(doc["status"])


def prescription_view(doc: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    view = {
        "id": str(doc["_id"]),
        "consultation_id": doc["consultation_id"],
        "patient_id": doc["patient_id"],
        "doctor_id": doc["doctor_id"],
        "medications": doc["medications"],
        "notes": doc.get("notes"),
        "status": status_at(doc, now or utcnow()),
        "version": doc.get("version", 1),
        "editable_until": iso_z(doc["editable_until"]),
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }
    if doc.get("locked_at"):
        view["locked_at"] = iso_z(doc["locked_at"])
    return view


def _version(doc: dict[str, Any], caller: Actor, at: datetime) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "prescription_id": str(doc["_id"]),
        "version": doc.get("version", 1),
        "medications": doc["medications"],
        "notes": doc.get("notes"),
        "changed_by": caller.id,
        "changed_at": at,
    }


def version_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": doc["version"],
        "medications": doc["medications"],
        "notes": doc.get("notes"),
        "changed_by": doc["changed_by"],
        "changed_at": iso_z(doc["changed_at"]),
    }


async def create_prescription(
    client: Any,
    db: Any,
    caller: Actor,
    body: dict[str, Any],
    *,
    edit_seconds: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    if caller.role != "doctor" or caller.id is None:
        raise Forbidden("only doctors write prescriptions")
    consultation_id = required_id(body.get("consultation_id"), "consultation_id")
    medications = validate_medications(body.get("medications"))
    notes = optional_text(body.get("notes"), "notes", MAX_NOTES)
    try:
        consultation = await visible_record(
            db, caller, CONSULTATIONS, consultation_id, "consultation"
        )
    except NotFound as exc:
        raise NotFound("consultation not found", field="consultation_id") from exc
    require_owner(consultation, caller, "doctor_id", "consultation")

    now = utcnow()
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "consultation_id": consultation_id,
        "patient_id": consultation["patient_id"],
        "doctor_id": caller.id,
        "medications": medications,
        "notes": notes,
        "status": "active",
        "version": 1,
        "editable_until": now + timedelta(seconds=edit_seconds),
        # The edit check compares this integer: the embedded store compares datetimes in an
        # update's filter to the second only, which would close the window up to 1 s early.
        "editable_until_ms": epoch_ms(now + timedelta(seconds=edit_seconds)),
        "created_at": now,
        "updated_at": now,
    }

    async def write(session: Any) -> None:
        await db[PRESCRIPTIONS].insert_one(doc, session=session)
        await db[PRESCRIPTION_VERSIONS].insert_one(_version(doc, caller, now), session=session)
        await publish(
            db,
            record_event(
                EventType.PRESCRIPTION_CREATED,
                caller,
                "prescription",
                doc,
                context,
                consultation_id=consultation_id,
                # The lock timer in the streams process schedules itself from this.
                editable_until=iso_z(doc["editable_until"]),
            ),
            session=session,
        )

    await run_in_transaction(client, write)
    return prescription_view(doc, now)


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    unknown = [key for key in body if key not in EDITABLE]
    if unknown:
        raise InvalidInput("cannot be changed", field=unknown[0])
    changes: dict[str, Any] = {}
    if "medications" in body:
        changes["medications"] = validate_medications(body["medications"])
    if "notes" in body:
        changes["notes"] = optional_text(body["notes"], "notes", MAX_NOTES)
    if not changes:
        raise InvalidInput("nothing to change", field="body")
    return changes


async def update_prescription(
    client: Any,
    db: Any,
    caller: Actor,
    prescription_id: str,
    body: dict[str, Any],
    context: EventContext | None = None,
) -> dict[str, Any]:
    changes = _changes(body)
    oid = object_id(prescription_id)

    async def write(session: Any) -> tuple[dict[str, Any], bool] | None:
        now = utcnow()  # taken inside the transaction: the instant the edit is decided
        editable = {
            "_id": oid,
            "doctor_id": caller.id,
            "status": "active",
            "editable_until_ms": {"$gt": epoch_ms(now)},
        }
        before = await db[PRESCRIPTIONS].find_one(editable, session=session)
        if before is None:
            return None
        if not changed_fields(before, changes):
            return before, False  # as it is already: no version, no event, no notice
        updated = await db[PRESCRIPTIONS].find_one_and_update(
            editable,
            {"$set": {**changes, "updated_at": now}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if updated is None:
            return None
        await db[PRESCRIPTION_VERSIONS].insert_one(_version(updated, caller, now), session=session)
        await publish(
            db,
            record_event(
                EventType.PRESCRIPTION_UPDATED,
                caller,
                "prescription",
                updated,
                context,
                version=updated["version"],
                editable_until=iso_z(updated["editable_until"]),
            ),
            session=session,
        )
        return updated, True

    outcome = await run_in_transaction(client, write) if oid is not None else None
    if outcome is not None:
        updated, changed = outcome
        if not changed:  # nothing to change: the answer is a read of the record
            await record_read(db, caller, "prescription", updated, context)
        return prescription_view(updated)
    # Refused: say why, in the caller's terms (404 outsider, 403 not the author, 409 locked).
    doc = await visible_record(db, caller, PRESCRIPTIONS, prescription_id, "prescription")
    require_owner(doc, caller, "doctor_id", "prescription")
    if doc["status"] == "active":
        # The window is over but no timer has flipped it yet: lock it now (exactly once).
        await lock_if_due(client, db, prescription_id)
    raise Conflict("the prescription is locked; its edit window has ended")


async def lock_prescription(
    client: Any,
    db: Any,
    caller: Actor,
    prescription_id: str,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """Its doctor ends the edit window early."""
    oid = object_id(prescription_id)

    async def write(session: Any) -> dict[str, Any] | None:
        now = utcnow()
        locked = await db[PRESCRIPTIONS].find_one_and_update(
            {"_id": oid, "doctor_id": caller.id, "status": "active"},
            {"$set": {"status": "locked", "locked_at": now, "locked_by": caller.id}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if locked is None:
            return None
        await publish(
            db,
            record_event(
                EventType.PRESCRIPTION_LOCKED,
                caller,
                "prescription",
                locked,
                context,
                locked_at=iso_z(now),
                reason="locked_by_doctor",
            ),
            session=session,
        )
        return locked

    locked = await run_in_transaction(client, write) if oid is not None else None
    if locked is not None:
        return prescription_view(locked)
    doc = await visible_record(db, caller, PRESCRIPTIONS, prescription_id, "prescription")
    require_owner(doc, caller, "doctor_id", "prescription")
    raise Conflict("the prescription is already locked")


async def get_prescription(
    db: Any, caller: Actor, prescription_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    """One prescription with its addenda (lists leave them out: one query per page)."""
    doc = await visible_record(db, caller, PRESCRIPTIONS, prescription_id, "prescription")
    addenda = await addenda_of(db, prescription_id)
    await record_read(db, caller, "prescription", doc, context)
    return {**prescription_view(doc), "addenda": addenda}


async def prescription_versions(
    db: Any,
    caller: Actor,
    prescription_id: str,
    *,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """A page of a prescription's versions, newest first, as a consultation's are (care
    team, the patient); audited."""
    doc = await visible_record(db, caller, PRESCRIPTIONS, prescription_id, "prescription")
    result = await paged(
        db[PRESCRIPTION_VERSIONS],
        {"prescription_id": prescription_id},
        page=page,
        page_size=page_size,
        view=version_view,
        sort_field="version",
    )
    await record_read(db, caller, "prescription", doc, context, view="versions")
    return result


async def list_prescriptions(
    db: Any,
    caller: Actor,
    patient_id: str | None,
    *,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    now = utcnow()
    return await patient_records_page(
        db,
        caller,
        patient_id,
        collection=PRESCRIPTIONS,
        view=lambda doc: prescription_view(doc, now),
        what="prescriptions",
        page=page,
        page_size=page_size,
        context=context,
    )
