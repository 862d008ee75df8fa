"""Offering a freed slot to the first patient waiting for it, and what ends an offer.

An offer is a hold in `slot_holds` (the same unique key a booking takes) marked
`reserved_for` the patient, with an expiry. Taking the hold first decides, atomically,
that the slot is still free; the entry then moves `waiting → offered` by compare-and-set,
with its event, in one transaction. Every step is conditional, so a freed slot seen twice
(a redelivered event, the sweep and the stream at once) is offered once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.accounts.repository import get_user
from domain.appointments.booking import open_slot, time_off_from
from domain.events import Actor, EventContext, EventType, publish
from domain.events.envelope import SYSTEM
from domain.scheduling import repository as schedule
from domain.scheduling.slots import Slot
from domain.shared.clock import as_utc, epoch_ms, iso_z, utcnow
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.transaction import run_in_transaction
from domain.waitlist.entries import (
    OFFER_MINUTES,
    WAITLIST,
    own_entry,
    waitlist_event,
)

CANDIDATES = 20  # read at once; a slot rarely goes past the first few


async def _still_a_slot(db: Any, doctor_id: str, start: datetime, now: datetime) -> Slot | None:
    """The doctor's slot starting at the freed time, if it still is one: rules and time off
    may have changed since it was booked, and with them the slot's end; and the doctor
    must still be bookable (a deactivated one's slot was offered, then refused at booking)."""
    doctor = await get_user(db, doctor_id)
    if doctor is None or not doctor.is_public_doctor:
        return None
    availability = await schedule.load_availability(db, doctor_id)
    if availability is None:
        return None
    try:
        return open_slot(availability, start, now, await time_off_from(db, doctor_id, start))
    except (InvalidInput, Conflict):
        return None


async def offer_slot(
    client: Any, db: Any, doctor_id: str, start: datetime, end: datetime, *, now: datetime
) -> str | None:
    """Offer the doctor's slot starting at `start` to the first patient waiting for it;
    the id of the entry it went to, or None (nobody waits for it, or it is no longer free).
    `end` is the freed appointment's: the slot offered ends where the doctor's current slot
    length says."""
    slot = None if start <= now else await _still_a_slot(db, doctor_id, start, now)
    if slot is None:
        return None
    end = slot.end
    key = schedule.hold_id(doctor_id, start)
    query = {
        "doctor_id": doctor_id,
        "status": "waiting",
        "earliest_ms": {"$lte": epoch_ms(start)},
        "latest_ms": {"$gte": epoch_ms(end)},
    }
    cursor = db[WAITLIST].find(query).sort([("created_at", 1), ("_id", 1)]).limit(CANDIDATES)
    expires = now + timedelta(minutes=OFFER_MINUTES)
    for entry in [doc async for doc in cursor]:
        if entry.get("passed_key") == key:
            continue  # offered this very slot before and let it run out
        entry_id = str(entry["_id"])
        try:
            await db[schedule.SLOT_HOLDS].insert_one(
                {
                    "_id": key, "doctor_id": doctor_id, "start": start, "end": end,
                    "appointment_id": None, "waitlist_id": entry_id,
                    "reserved_for": entry["patient_id"], "expires_ms": epoch_ms(expires),
                    "created_at": now,
                }
            )  # fmt: skip
        except DuplicateKeyError:
            return None  # booked, or offered, meanwhile
        # As a booking does (`schedule.take_hold`): after a change of slot length another
        # hold may overlap this one without sharing its start.
        if await schedule.overlaps_another_hold(db, doctor_id, start, end, now=now):
            await _drop_offer_hold(db, key, entry_id)
            return None

        async def mark(session: Any, entry: dict[str, Any] = entry) -> bool:
            return await _mark_offered(db, entry, key, start, end, expires, session)

        try:
            offered = await run_in_transaction(client, mark)
        except BaseException:
            await _drop_offer_hold(db, key, entry_id)
            raise
        if offered:
            return entry_id
        await _drop_offer_hold(db, key, entry_id)  # the entry changed meanwhile; next one
    return None


async def _mark_offered(
    db: Any, entry: dict[str, Any], key: str, start: datetime, end: datetime,
    expires: datetime, session: Any,
) -> bool:  # fmt: skip
    changed = await db[WAITLIST].update_one(
        {"_id": entry["_id"], "status": "waiting"},
        {
            "$set": {
                "status": "offered", "offer_key": key, "offer_start": iso_z(start),
                "offer_end": iso_z(end), "offer_expires_at": iso_z(expires),
                "offer_expires_ms": epoch_ms(expires), "updated_at": utcnow(),
            }
        },
        session=session,
    )  # fmt: skip
    if changed.modified_count != 1:
        return False
    event = waitlist_event(
        EventType.WAITLIST_SLOT_OFFERED, entry, SYSTEM,
        start=iso_z(start), end=iso_z(end), expires_at=iso_z(expires),
    )  # fmt: skip
    await publish(db, event, session=session)
    return True


async def _drop_offer_hold(db: Any, key: str, entry_id: str) -> None:
    # Only while it is still this offer's: a booking that took it over keeps it.
    await db[schedule.SLOT_HOLDS].delete_one({"_id": key, "waitlist_id": entry_id})


async def _end_offer(
    client: Any, db: Any, entry: dict[str, Any], status: str, event_type: str, actor: Actor,
    context: EventContext | None,
) -> dict[str, Any] | None:  # fmt: skip
    """Move an entry out of `offered`/`waiting` (compare-and-set), give its held slot back
    and offer that slot to the next one waiting. The updated entry, or None if it changed
    meanwhile."""
    now = utcnow()
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    if entry["status"] == "offered":
        changes["passed_key"] = entry.get("offer_key")

    async def write(session: Any) -> dict[str, Any] | None:
        changed = await db[WAITLIST].update_one(
            {"_id": entry["_id"], "status": entry["status"]}, {"$set": changes}, session=session
        )
        if changed.modified_count != 1:
            return None
        await publish(db, waitlist_event(event_type, entry, actor, context), session=session)
        return {**entry, **changes}

    ended = await run_in_transaction(client, write)
    if ended is not None and entry["status"] == "offered" and entry.get("offer_key"):
        await _drop_offer_hold(db, entry["offer_key"], str(entry["_id"]))
        start, end = as_utc(entry["offer_start"]), as_utc(entry["offer_end"])
        await offer_slot(client, db, entry["doctor_id"], start, end, now=now)
    return ended


async def leave(
    client: Any, db: Any, caller: Actor, entry_id: str, context: EventContext | None = None
) -> None:
    """The patient leaves the list; a slot held for them goes to the next one waiting."""
    entry = await own_entry(db, caller, entry_id)
    if entry["status"] not in ("waiting", "offered"):
        raise Conflict(f"this entry is {entry['status']}")
    if (
        await _end_offer(client, db, entry, "left", EventType.WAITLIST_LEFT, caller, context)
        is None
    ):
        raise Conflict("the entry changed meanwhile; read it again")


async def expire_offers(client: Any, db: Any, now: datetime | None = None) -> int:
    """Offers nobody took up in time go back to waiting (their slot to the next one), and
    entries whose window is over close. The number of entries changed."""
    now = now or utcnow()
    changed = 0
    lapsed = db[WAITLIST].find({"status": "offered", "offer_expires_ms": {"$lte": epoch_ms(now)}})
    for entry in [doc async for doc in lapsed]:
        # Back to waiting, keeping its place; `passed_key` stops the same slot coming back.
        if await _end_offer(
            client, db, entry, "waiting", EventType.WAITLIST_OFFER_EXPIRED, SYSTEM, None
        ):
            changed += 1
    over = db[WAITLIST].find({"status": "waiting", "latest_ms": {"$lte": epoch_ms(now)}})
    for entry in [doc async for doc in over]:
        if await _end_offer(client, db, entry, "closed", EventType.WAITLIST_CLOSED, SYSTEM, None):
            changed += 1
    return changed


def freed_slot(event: dict[str, Any]) -> tuple[str, datetime, datetime] | None:
    """The doctor's slot an appointment event gives back (rejected or cancelled), if any."""
    if event.get("type") not in (EventType.APPOINTMENT_CANCELLED, EventType.APPOINTMENT_REJECTED):
        return None
    data = event.get("data") or {}
    try:
        start, end = as_utc(str(data["start"])), as_utc(str(data["end"]))
    except (KeyError, ValueError):
        return None
    doctor_id = data.get("doctor_id")
    return (str(doctor_id), start, end) if doctor_id and ObjectId.is_valid(doctor_id) else None
