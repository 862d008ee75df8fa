"""Booking a referral holds the slot the way a patient's own booking does: a hold left by a
crash stops blocking the slot, and a request cancelled once its write committed keeps the
slot it now owns."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from domain.events import Actor
from domain.referrals.booking import book_referral
from domain.scheduling.repository import hold_id
from domain.shared import transaction
from tests.referrals.conftest import slot

API = "/api/v1/referrals"


async def accepted_referral(client, cast) -> str:  # type: ignore[no-untyped-def]
    body = {
        "patient_id": cast["patient"].id,
        "to_doctor_id": cast["cardio"].id,
        "reason": "Palpitations on exertion",
    }
    created = await client.post(API, json=body, headers=cast["gp"].headers)
    rid = created.json()["id"]
    accepted = await client.post(f"{API}/{rid}/accept", headers=cast["cardio"].headers)
    assert accepted.status_code == 200, accepted.text
    return str(rid)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_hold_left_by_a_crash_stops_blocking_the_slot(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    rid = await accepted_referral(client, cast)
    cardio, start = cast["cardio"], slot("09:30")
    orphan = {
        "_id": hold_id(cardio.id, instant(start)),
        "doctor_id": cardio.id,
        "start": instant(start),
        "end": instant(start) + timedelta(minutes=30),
        "appointment_id": str(ObjectId()),  # never written: the process died in between
    }
    url = f"{API}/{rid}/appointments"
    await db.slot_holds.insert_one({**orphan, "created_at": datetime.now(UTC)})
    # Too recent to tell from a booking in progress.
    assert (
        await client.post(url, json={"start": start}, headers=cast["gp"].headers)
    ).status_code == 409
    await db.slot_holds.delete_one({"_id": orphan["_id"]})
    await db.slot_holds.insert_one(
        {**orphan, "created_at": datetime.now(UTC) - timedelta(minutes=5)}
    )
    booked = await client.post(url, json={"start": start}, headers=cast["gp"].headers)
    assert booked.status_code == 201, booked.text
    hold = await db.slot_holds.find_one({"_id": orphan["_id"]})
    assert hold["appointment_id"] == booked.json()["id"]


async def test_the_appointment_names_both_sides_and_needs_an_active_doctor(
    client, cast, db
) -> None:  # type: ignore[no-untyped-def]
    rid = await accepted_referral(client, cast)
    url = f"{API}/{rid}/appointments"
    await db.users.update_one({"_id": ObjectId(cast["cardio"].id)}, {"$set": {"active": False}})
    gone = await client.post(url, json={"start": slot("09:00")}, headers=cast["gp"].headers)
    assert gone.status_code == 404
    await db.users.update_one({"_id": ObjectId(cast["cardio"].id)}, {"$set": {"active": True}})
    booked = (
        await client.post(url, json={"start": slot("09:00")}, headers=cast["gp"].headers)
    ).json()
    assert booked["doctor_name"] == "Leila Ben Salah"
    assert booked["patient_name"] == "Nour Ben Salah"


async def test_a_request_cancelled_after_its_write_committed_keeps_the_slot(  # type: ignore[no-untyped-def]
    client, cast, db, monkeypatch
) -> None:
    rid = await accepted_referral(client, cast)
    gp, cardio, start = cast["gp"], cast["cardio"], slot("10:00")
    real_transaction = transaction.transaction
    committed = asyncio.Event()

    @asynccontextmanager
    async def late_reply(mongo: Any):  # type: ignore[no-untyped-def]
        async with real_transaction(mongo) as session:
            yield session
        committed.set()
        await asyncio.sleep(0.5)  # the commit's reply still on its way back

    monkeypatch.setattr(transaction, "transaction", late_reply)
    booking = asyncio.create_task(
        book_referral(db.client, db, Actor(id=gp.id, role="doctor"), rid, {"start": start})
    )
    await asyncio.wait_for(committed.wait(), 10)
    booking.cancel()  # the client went away
    with pytest.raises(asyncio.CancelledError):
        await booking
    await asyncio.sleep(1)
    appointment = await db.appointments.find_one({"referral_id": rid})
    assert appointment is not None and appointment["status"] == "confirmed"
    # The slot stays held by that appointment: nobody else can book it over it.
    hold = await db.slot_holds.find_one({"_id": hold_id(cardio.id, instant(start))})
    assert hold is not None and hold["appointment_id"] == str(appointment["_id"])
