"""Booking an accepted referral: a confirmed appointment with the receiving doctor for the
referred patient.

The slot is checked and held exactly as a patient's own booking does it
(`appointments.booking.open_slot` and `write_holding`: one insert on a unique key,
race-free across processes, recovering a hold orphaned by a crash); the appointment, the
referral's move to `booked` and both events are then written in one transaction, and the
hold is given back if that fails (for instance when someone else booked the referral
first), but not when the request is merely cancelled while the write may still commit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.accounts.repository import get_user
from domain.appointments import repository as appointments
from domain.appointments.booking import (
    MODES,
    display_name,
    open_slot,
    time_off_from,
    write_holding,
)
from domain.appointments.cancellation import booking_terms
from domain.appointments.events import appointment_event
from domain.appointments.local_day import local_date
from domain.appointments.states import Status as AppointmentStatus
from domain.events import Actor, EventContext, publish
from domain.records.access_audit import record_read
from domain.referrals import repository
from domain.referrals.access import referral_for
from domain.referrals.events import referral_event
from domain.referrals.states import Status
from domain.scheduling import repository as schedule
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput, NotFound
from domain.shared.parsing import parse_instant


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
    # Independent reads at once: one round trip's wait instead of four.
    availability, doctor, patient, time_off = await asyncio.gather(
        schedule.load_availability(db, doctor_id),
        get_user(db, doctor_id),
        get_user(db, referral["patient_id"]),
        time_off_from(db, doctor_id, start),
    )
    if availability is None or doctor is None or not doctor.is_public_doctor:
        raise NotFound("the receiving doctor has no bookable availability")
    slot = open_slot(availability, start, now, time_off)

    appointment = {
        "_id": ObjectId(),
        "patient_id": referral["patient_id"],
        "doctor_id": doctor_id,
        "start": slot.start,
        "end": slot.end,
        "timezone": availability.timezone,
        "local_date": local_date(slot.start, availability.zone),
        "status": AppointmentStatus.CONFIRMED.value,
        "reason": referral["reason"],
        "mode": mode,
        "referral_id": str(referral["_id"]),
        "doctor_name": display_name(doctor),
        "patient_name": display_name(patient),
        **booking_terms(availability),
        "created_at": now,
        "confirmed_at": now,
        "updated_at": now,
    }
    appointment_id = str(appointment["_id"])

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

    await write_holding(
        client, db, doctor_id, slot, appointment_id, write, now=now,
        patient_id=referral["patient_id"],
    )  # fmt: skip
    # The answer carries the appointment and its clinical reason: a read, as
    # GET /appointments/{id} is.
    await record_read(db, caller, "appointment", appointment, context)
    return appointment
