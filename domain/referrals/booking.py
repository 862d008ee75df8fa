"""Booking an accepted referral: a confirmed appointment with the receiving doctor for the
referred patient.

The slot is held exactly as a patient's own booking holds it (`scheduling.take_hold`: one
insert on a unique key, race-free across processes); the appointment, the referral's move
to `booked` and both events are then written in one transaction, and the hold is given
back if that fails (for instance when someone else booked the referral first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.appointments import repository as appointments
from domain.appointments.booking import MODES
from domain.appointments.events import appointment_event
from domain.appointments.states import Status as AppointmentStatus
from domain.events import Actor, EventContext, publish
from domain.referrals import repository
from domain.referrals.access import referral_for
from domain.referrals.events import referral_event
from domain.referrals.states import Status
from domain.scheduling import repository as schedule
from domain.scheduling.slots import find_slot, overlaps
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput, NotFound
from domain.shared.parsing import parse_instant
from domain.shared.transaction import run_in_transaction


async def book_referral(
    client: Any,
    db: Any,
    caller: Actor,
    referral_id: str,
    body: dict[str, Any],
    *,
    now: datetime | None = None,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """The confirmed appointment (with `referral_id`)."""
    referral = await referral_for(
        db, caller, referral_id, acting=("from_doctor_id", "to_doctor_id"), action="book it"
    )
    start = parse_instant(body.get("start"), "start")
    mode = body.get("mode") or "in_person"
    if mode not in MODES:
        raise InvalidInput("must be in_person or video", field="mode")
    if referral["status"] != Status.ACCEPTED.value:
        raise Conflict(f"only an accepted referral can be booked (it is {referral['status']})")
    doctor_id = referral["to_doctor_id"]
    now = now or utcnow()
    availability = await schedule.load_availability(db, doctor_id)
    if availability is None:
        raise NotFound("the receiving doctor has no bookable availability")
    slot = find_slot(availability, start)
    if slot is None:
        raise InvalidInput("is not one of the receiving doctor's slots", field="start")
    if slot.start <= now:
        raise InvalidInput("is in the past", field="start")
    busy = await schedule.busy_intervals(db, [doctor_id], slot.start, slot.end)
    if any(overlaps(slot, interval) for interval in busy.get(doctor_id, [])):
        raise Conflict("this slot is not free")

    appointment = {
        "_id": ObjectId(),
        "patient_id": referral["patient_id"],
        "doctor_id": doctor_id,
        "start": slot.start,
        "end": slot.end,
        "timezone": availability.timezone,
        "status": AppointmentStatus.CONFIRMED.value,
        "reason": referral["reason"],
        "mode": mode,
        "referral_id": str(referral["_id"]),
        "created_at": now,
        "confirmed_at": now,
        "updated_at": now,
    }
    appointment_id = str(appointment["_id"])
    await schedule.take_hold(db, doctor_id, slot, appointment_id, now=now)

    async def write(session: Any) -> None:
        booked = await repository.move(
            db,
            referral["_id"],
            Status.ACCEPTED.value,
            {
                "status": Status.BOOKED.value,
                "appointment_id": appointment_id,
                "booked_at": now,
                "updated_at": now,
            },
            session,
        )
        if booked is None:
            raise Conflict("the referral was booked or changed meanwhile")
        await appointments.insert(db, appointment, session)
        await publish(
            db,
            appointment_event(
                appointment, caller, context=context, referral_id=appointment["referral_id"]
            ),
            referral_event(booked, caller, context),
            session=session,
        )

    try:
        await run_in_transaction(client, write)
    except BaseException:
        await schedule.drop_hold(db, doctor_id, slot.start, appointment_id)
        raise
    return appointment
