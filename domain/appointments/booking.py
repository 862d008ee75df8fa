"""Booking: one appointment per doctor's slot, enforced by the store, not by a prior read."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from domain.accounts.repository import get_user
from domain.appointments import repository
from domain.appointments.cancellation import booking_terms
from domain.appointments.events import appointment_event
from domain.appointments.local_day import local_date
from domain.appointments.states import Status
from domain.events import Actor, EventContext, publish
from domain.scheduling import repository as schedule
from domain.scheduling.rules import MAX_SLOT_MINUTES, Availability
from domain.scheduling.slots import Interval, Slot, find_slot, overlaps
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.shared.ids import stored_spelling
from domain.shared.parsing import parse_instant
from domain.shared.text import refuse_control_characters
from domain.shared.transaction import run_in_transaction
from domain.waitlist.entries import mark_booked

MODES = ("in_person", "video")
MAX_REASON = 1000


def parse_booking(body: dict[str, Any]) -> tuple[str, datetime, str, str]:
    doctor_id = body.get("doctor_id")
    if not isinstance(doctor_id, str) or not doctor_id:
        raise InvalidInput("is required", field="doctor_id")
    start = parse_instant(body.get("start"), "start")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("is required", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"at most {MAX_REASON} characters", field="reason")
    mode = body.get("mode") or "in_person"
    if mode not in MODES:
        raise InvalidInput("must be in_person or video", field="mode")
    reason = refuse_control_characters(reason, "reason").strip()
    return stored_spelling(doctor_id), start, reason, mode


def display_name(user: Any) -> str | None:
    if user is None:
        return None
    return f"{user.first_name} {user.last_name}".strip() or None


async def time_off_from(db: Any, doctor_id: str, start: datetime) -> list[Interval]:
    """The doctor's time off that could overlap a slot starting at `start`, read before the
    slot's length is known (none is longer than MAX_SLOT_MINUTES) so that the read can go
    out together with the others a booking makes."""
    window_end = start + timedelta(minutes=MAX_SLOT_MINUTES)
    off = await schedule.busy_intervals(db, [doctor_id], start, window_end, holds=False)
    return off.get(doctor_id, [])


def open_slot(
    availability: Availability, start: datetime, now: datetime, time_off: list[Interval]
) -> Slot:
    """The doctor's slot starting at `start`: one of their slots, in the future, not time
    off (`time_off_from`). Held slots, the same start or an overlapping one, are left to
    `write_holding` (`schedule.take_hold`), the one race-free check (it also recovers a hold
    orphaned by a crash, which a read here would report as taken for good)."""
    slot = find_slot(availability, start)
    if slot is None:
        raise InvalidInput("is not one of the doctor's slots", field="start")
    if slot.start <= now:
        raise InvalidInput("is in the past", field="start")
    if any(overlaps(slot, interval) for interval in time_off):
        raise Conflict("the doctor is not available at this time")
    return slot


async def write_holding(
    client: Any,
    db: Any,
    doctor_id: str,
    slot: Slot,
    appointment_id: str,
    write: Callable[[Any], Awaitable[Any]],
    *,
    now: datetime,
    patient_id: str | None = None,
) -> None:
    """Hold `slot` for `appointment_id`, then run `write` (which stores the appointment) in
    a transaction.

    Holding the slot is one atomic insert on a unique key, outside any transaction: of N
    concurrent requests exactly one inserts it, whatever the number of web processes.
    The write is shielded: a caller that goes away must not leave it half-known. If the
    request is cancelled, the write completes on its own; should it fail then, its hold
    counts as orphaned after ORPHAN_AFTER. A write that fails here gives the slot back.

    The slot may be held for `patient_id` from the waiting list: the booking then takes the
    offer up, and its entry is marked booked in the same transaction. Should that write
    fail, the offer is given back to the patient (until its own end), not the slot to all."""
    offer = await schedule.take_hold(
        db, doctor_id, slot, appointment_id, now=now, patient_id=patient_id
    )

    async def write_all(session: Any) -> None:
        await write(session)
        if offer is not None:
            await mark_booked(db, offer, appointment_id, session)

    writing = asyncio.ensure_future(run_in_transaction(client, write_all))
    try:
        await asyncio.shield(writing)
    except Exception:  # not CancelledError (a BaseException): see above
        await schedule.give_back(db, doctor_id, slot.start, appointment_id, patient_id, offer)
        raise


async def book(
    client: Any,
    db: Any,
    caller: Actor,
    body: dict[str, Any],
    *,
    now: datetime | None = None,
    context: EventContext | None = None,
) -> dict[str, Any]:
    if caller.role != "patient" or caller.id is None:
        raise Forbidden("only patients book appointments")
    doctor_id, start, reason, mode = parse_booking(body)
    now = now or utcnow()
    # Four independent reads at once: one round trip's wait instead of four.
    availability, doctor, patient, time_off = await asyncio.gather(
        schedule.load_availability(db, doctor_id),
        get_user(db, doctor_id),
        get_user(db, caller.id),
        time_off_from(db, doctor_id, start),
    )
    if availability is None or doctor is None or not doctor.is_public_doctor:
        raise NotFound("no bookable doctor with this id", field="doctor_id")
    slot = open_slot(availability, start, now, time_off)

    doc = {
        "_id": ObjectId(),
        "patient_id": caller.id,
        "doctor_id": doctor_id,
        "start": slot.start,
        "end": slot.end,
        "timezone": availability.timezone,
        "local_date": local_date(slot.start, availability.zone),
        "status": Status.REQUESTED.value,
        "reason": reason,
        "mode": mode,
        # Names as they were at booking: lists show them without a look-up per row.
        "doctor_name": display_name(doctor),
        "patient_name": display_name(patient),
        **booking_terms(availability),
        "created_at": now,
        "updated_at": now,
    }

    async def write(session: Any) -> None:
        await repository.insert(db, doc, session)
        await publish(db, appointment_event(doc, caller, context=context), session=session)

    await write_holding(
        client, db, doctor_id, slot, str(doc["_id"]), write, now=now, patient_id=caller.id
    )
    return doc
