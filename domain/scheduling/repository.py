"""Where availability, time off and slot holds are stored.

A held slot is a document whose `_id` is "<doctor_id>|<start UTC ISO>": the store's unique
`_id` makes holding a slot atomic whatever the number of web processes, with no
read-then-write race. It is taken just before the appointment is written and deleted in the
transaction that rejects or cancels the appointment. Holds with different starts can still
overlap once the doctor changes the slot length; `take_hold` checks for those after
inserting (see there).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.scheduling.rules import Availability, TimeOff, availability_from_doc
from domain.scheduling.slots import Interval, Slot
from domain.shared.clock import as_utc, epoch_ms, iso_z, utcnow
from domain.shared.counting import page_and_total
from domain.shared.errors import Conflict

AVAILABILITY = "availability"
TIME_OFF = "time_off"
SLOT_HOLDS = "slot_holds"
# Appointments own their collection; a hold only looks there to tell an orphan.
APPOINTMENTS = "appointments"
ORPHAN_AFTER = timedelta(minutes=2)

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    TIME_OFF: [[("doctor_id", 1), ("start", 1)]],
    SLOT_HOLDS: [[("doctor_id", 1), ("start", 1)]],
}


def hold_id(doctor_id: str, start: datetime) -> str:
    return f"{doctor_id}|{iso_z(start)}"


async def save_availability(db: Any, availability: Availability) -> None:
    await db[AVAILABILITY].replace_one(
        {"_id": availability.doctor_id},
        {"_id": availability.doctor_id, **availability.as_dict(), "updated_at": utcnow()},
        upsert=True,
    )


async def load_availability(db: Any, doctor_id: str) -> Availability | None:
    doc = await db[AVAILABILITY].find_one({"_id": doctor_id})
    return availability_from_doc(doc) if doc else None


async def load_availabilities(db: Any, doctor_ids: list[str]) -> dict[str, Availability]:
    cursor = db[AVAILABILITY].find({"_id": {"$in": doctor_ids}})
    return {str(doc["_id"]): availability_from_doc(doc) async for doc in cursor}


async def add_time_off(db: Any, doctor_id: str, off: TimeOff) -> dict[str, Any]:
    doc = {
        "doctor_id": doctor_id,
        "start": off.start,
        "end": off.end,
        "reason": off.reason,
        "created_at": utcnow(),
    }
    result = await db[TIME_OFF].insert_one(doc)
    doc["_id"] = result.inserted_id
    return doc


async def list_time_off(
    db: Any, doctor_id: str, since: datetime, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    query = {"doctor_id": doctor_id, "end": {"$gt": since}}
    return await page_and_total(db[TIME_OFF], query, [("start", 1), ("_id", 1)], skip, limit)


async def delete_time_off(db: Any, doctor_id: str, time_off_id: Any) -> bool:
    result = await db[TIME_OFF].delete_one({"_id": time_off_id, "doctor_id": doctor_id})
    return bool(result.deleted_count)


async def busy_intervals(
    db: Any, doctor_ids: list[str], start: datetime, end: datetime, *, holds: bool = True
) -> dict[str, list[Interval]]:
    """Time off (and held slots, unless `holds` is false) overlapping [start, end)."""
    busy: dict[str, list[Interval]] = {doctor_id: [] for doctor_id in doctor_ids}
    query = {"doctor_id": {"$in": doctor_ids}, "start": {"$lt": end}, "end": {"$gt": start}}
    for collection in (SLOT_HOLDS, TIME_OFF) if holds else (TIME_OFF,):
        async for doc in db[collection].find(query, {"doctor_id": 1, "start": 1, "end": 1}):
            busy.setdefault(doc["doctor_id"], []).append((doc["start"], doc["end"]))
    return busy


async def take_hold(
    db: Any,
    doctor_id: str,
    slot: Slot,
    appointment_id: str,
    *,
    now: datetime,
    patient_id: str | None = None,
) -> str | None:
    """Hold `slot` for `appointment_id`, or raise Conflict when someone else holds it or a
    slot overlapping it.

    A slot offered from the waiting list is held for one patient until the offer expires:
    that patient (`patient_id`) takes the hold over, and the id of the waiting-list entry
    is returned so that the booking can mark it booked; anyone else gets 409 until then.

    The unique key only stops two holds with the same start. After the doctor changes
    their slot length a slot can start inside an older one (08:20-08:40 inside
    08:30-09:00), so the hold is taken first and the doctor's other holds checked after:
    of two overlapping bookings racing, each sees the other's hold, and neither (never
    both) keeps its slot."""
    key = hold_id(doctor_id, slot.start)
    doc = {
        "_id": key,
        "doctor_id": doctor_id,
        "start": slot.start,
        "end": slot.end,
        "appointment_id": appointment_id,
        "created_at": now,
    }
    offer = await _insert_hold(db, key, doc, patient_id, now)
    if await overlaps_another_hold(db, doctor_id, slot.start, slot.end, now=now):
        await give_back(db, doctor_id, slot.start, appointment_id, patient_id, offer)
        raise Conflict("this slot overlaps another appointment of the doctor")
    return offer


async def _insert_hold(
    db: Any, key: str, doc: dict[str, Any], patient_id: str | None, now: datetime
) -> str | None:
    """The hold on `key` itself (see `take_hold`)."""
    try:
        await db[SLOT_HOLDS].insert_one(doc)
        return None
    except DuplicateKeyError:
        held = await db[SLOT_HOLDS].find_one({"_id": key})
    if held is not None and held.get("reserved_for"):
        return await _take_up_offer(db, held, doc, patient_id, now)
    if not await _drop_if_orphaned(db, key, now, held):
        raise Conflict("this slot is not free") from None
    try:
        await db[SLOT_HOLDS].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict("this slot is not free") from None
    return None


async def overlaps_another_hold(
    db: Any, doctor_id: str, start: datetime, end: datetime, *, now: datetime
) -> bool:
    """Whether a hold of the doctor other than the one starting at `start` overlaps
    [start, end) and still counts: an offer that ran out, or a hold orphaned by a crash,
    does not (the sweep or the next booking of their own start clears them)."""
    key = hold_id(doctor_id, start)
    query = {"doctor_id": doctor_id, "start": {"$lt": end}, "end": {"$gt": start}}
    async for held in db[SLOT_HOLDS].find(query):
        if held["_id"] == key:
            continue
        if held.get("reserved_for"):
            if int(held.get("expires_ms") or 0) > epoch_ms(now):
                return True
        elif not await _is_orphan(db, held, now):
            return True
    return False


async def _take_up_offer(
    db: Any, held: dict[str, Any], doc: dict[str, Any], patient_id: str | None, now: datetime
) -> str | None:
    now_ms = epoch_ms(now)
    offer = {"_id": held["_id"], "waitlist_id": held["waitlist_id"]}
    if int(held.get("expires_ms") or 0) <= now_ms:
        # The offer ran out (the sweep has not passed yet): the slot is free for anyone.
        await db[SLOT_HOLDS].delete_one(offer)
        try:
            await db[SLOT_HOLDS].insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("this slot is not free") from None
        return None
    if patient_id is None or held["reserved_for"] != patient_id:
        raise Conflict("this slot is held for a patient on the waiting list")
    # Conditional on the offer still being there and in time: one booking takes it over.
    taken = await db[SLOT_HOLDS].update_one(
        {**offer, "reserved_for": patient_id, "expires_ms": {"$gt": now_ms}},
        {"$set": {"appointment_id": doc["appointment_id"], "reserved_for": None,
                  "waitlist_id": None, "created_at": now}},
    )  # fmt: skip
    if taken.modified_count != 1:
        raise Conflict("this slot is not free")
    return str(held["waitlist_id"])


async def _is_orphan(db: Any, held: dict[str, Any], now: datetime) -> bool:
    """A hold whose appointment was never written (the process died in between) stops
    blocking once it is older than ORPHAN_AFTER."""
    if as_utc(held["created_at"]) > now - ORPHAN_AFTER:
        return False
    appointment_id = held.get("appointment_id")
    return not appointment_id or not await db[APPOINTMENTS].find_one(
        {"_id": ObjectId(appointment_id)}, {"_id": 1}
    )


async def _drop_if_orphaned(db: Any, key: str, now: datetime, held: dict[str, Any] | None) -> bool:
    if held is None:
        return True
    if not await _is_orphan(db, held, now):
        return False
    result = await db[SLOT_HOLDS].delete_one({"_id": key, "appointment_id": held["appointment_id"]})
    return result.deleted_count == 1


async def drop_hold(db: Any, doctor_id: str, start: datetime, appointment_id: str) -> None:
    """Give back a hold this appointment took (its write failed)."""
    await db[SLOT_HOLDS].delete_one(
        {"_id": hold_id(doctor_id, start), "appointment_id": appointment_id}
    )


async def give_back_offer(
    db: Any, doctor_id: str, start: datetime, appointment_id: str, patient_id: str, waitlist_id: str
) -> None:
    """Undo a booking's take-over of a waiting-list offer (its write failed): the slot is
    held for the patient again until the offer's own end, not freed for anyone."""
    await db[SLOT_HOLDS].update_one(
        {"_id": hold_id(doctor_id, start), "appointment_id": appointment_id},
        {"$set": {"appointment_id": None, "reserved_for": patient_id, "waitlist_id": waitlist_id}},
    )


async def give_back(
    db: Any,
    doctor_id: str,
    start: datetime,
    appointment_id: str,
    patient_id: str | None,
    offer: str | None,
) -> None:
    """Undo what `take_hold` took: the offer it took over goes back to its patient, a hold
    of its own is dropped."""
    if offer is not None and patient_id is not None:
        await give_back_offer(db, doctor_id, start, appointment_id, patient_id, offer)
    else:
        await drop_hold(db, doctor_id, start, appointment_id)


async def release_slot(db: Any, doctor_id: str, start: datetime, session: Any) -> None:
    await db[SLOT_HOLDS].delete_one({"_id": hold_id(doctor_id, start)}, session=session)
