"""Booking and the life cycle against the real store, without HTTP."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.appointments.booking import book
from domain.appointments.lifecycle import change_status
from domain.appointments.reminders import due_reminders, send_reminder
from domain.appointments.states import Transition
from domain.events import Actor
from domain.scheduling import service as scheduling
from domain.scheduling.repository import hold_id, take_hold
from domain.scheduling.slots import Slot
from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from infra.mongo import create_mongo_client
from tests.appointments.conftest import next_monday
from tests.support.people import make_person

ALICE = Actor(id="alice", role="patient")
BOB = Actor(id="bob", role="patient")


@pytest.fixture
async def store(settings: Settings):  # type: ignore[no-untyped-def]
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    person = await make_person(db, settings, "doctor")
    doctor = Actor(id=person.id, role="doctor")
    await scheduling.set_availability(
        db,
        doctor.id,
        {
            "timezone": "UTC",
            "slot_minutes": 30,
            "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        },
    )
    yield client, db, doctor
    client.close()


def at(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}:00Z"


async def test_concurrent_bookings_of_one_slot_leave_exactly_one_winner(store) -> None:
    client, db, doctor = store
    start = at(next_monday(), "09:00")
    patients = [Actor(id=f"p{i}", role="patient") for i in range(12)]

    async def attempt(patient: Actor) -> str:
        try:
            await book(client, db, patient, {"doctor_id": doctor.id, "start": start, "reason": "x"})
            return "won"
        except Conflict:
            return "lost"

    results = await asyncio.gather(*(attempt(p) for p in patients))
    assert results.count("won") == 1 and results.count("lost") == 11
    assert await db.appointments.count_documents({}) == 1
    assert await db.outbox.count_documents({"event.type": "appointment.requested"}) == 1


async def test_concurrent_holds_of_overlapping_slots_leave_at_most_one(store) -> None:
    """Overlapping slots with different starts (as two slot lengths give them) held at once:
    the unique key cannot tell them apart, the check after inserting does."""
    _, db, doctor = store
    nine = datetime.combine(next_monday(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    slots = [
        Slot(nine + timedelta(minutes=offset), nine + timedelta(minutes=offset + length))
        for offset, length in ((0, 30), (10, 20), (20, 20), (5, 45), (15, 30), (25, 10))
    ]

    async def attempt(slot: Slot) -> str:
        try:
            await take_hold(db, doctor.id, slot, str(ObjectId()), now=datetime.now(UTC))
            return "won"
        except Conflict:
            return "lost"

    for _ in range(3):
        results = await asyncio.gather(*(attempt(slot) for slot in slots))
        assert results.count("won") <= 1, results
        held = [doc async for doc in db.slot_holds.find({"doctor_id": doctor.id})]
        assert len(held) == results.count("won")  # the losers gave their holds back
        await db.slot_holds.delete_many({})
    # Taken one after the other, the first wins and every later one overlaps it.
    results = [await attempt(slot) for slot in slots]
    assert results == ["won"] + ["lost"] * (len(slots) - 1)


async def test_rejecting_frees_the_slot_and_illegal_moves_conflict(store) -> None:
    client, db, doctor = store
    day = next_monday()
    body = {"doctor_id": doctor.id, "start": at(day, "10:00"), "reason": "checkup"}
    first = await book(client, db, ALICE, body)
    slots = await scheduling.free_slots(db, doctor.id, day, day)
    assert at(day, "10:00") not in [s.as_dict()["start"] for s in slots]

    with pytest.raises(Forbidden):
        await change_status(client, db, ALICE, str(first["_id"]), Transition.CONFIRM)
    with pytest.raises(NotFound):
        await change_status(client, db, BOB, str(first["_id"]), Transition.CANCEL)
    with pytest.raises(InvalidInput):
        await change_status(client, db, doctor, str(first["_id"]), Transition.REJECT, {})
    with pytest.raises(Conflict):
        await change_status(client, db, doctor, str(first["_id"]), Transition.COMPLETE)
    await change_status(
        client, db, doctor, str(first["_id"]), Transition.REJECT, {"reason": "full"}
    )
    with pytest.raises(Conflict):
        await change_status(client, db, doctor, str(first["_id"]), Transition.CONFIRM)

    slots = await scheduling.free_slots(db, doctor.id, day, day)
    assert at(day, "10:00") in [s.as_dict()["start"] for s in slots]
    again = await book(client, db, BOB, body)
    assert again["patient_id"] == "bob"
    types = [e["event"]["type"] async for e in db.outbox.find({}).sort("created_at", 1)]
    assert types == ["appointment.requested", "appointment.rejected", "appointment.requested"]


async def test_the_clock_decides_which_status_changes_are_possible(store) -> None:
    client, db, doctor = store
    last_monday = next_monday() - timedelta(days=7)
    booked_at = datetime.combine(last_monday - timedelta(days=3), datetime.min.time(), tzinfo=UTC)

    async def booked_last_week(patient: Actor, hhmm: str, *, confirmed: bool) -> str:
        body = {"doctor_id": doctor.id, "start": at(last_monday, hhmm), "reason": "x"}
        appointment_id = str((await book(client, db, patient, body, now=booked_at))["_id"])
        if confirmed:
            await change_status(
                client, db, doctor, appointment_id, Transition.CONFIRM, now=booked_at
            )
        return appointment_id

    async def status(appointment_id: str) -> str:
        return str((await db.appointments.find_one({"_id": ObjectId(appointment_id)}))["status"])

    # A request whose time has passed is not confirmed; the doctor can still turn it down.
    stale = await booked_last_week(ALICE, "09:00", confirmed=False)
    with pytest.raises(Conflict, match="no longer be confirmed"):
        await change_status(client, db, doctor, stale, Transition.CONFIRM)
    assert await status(stale) == "requested"
    await change_status(client, db, doctor, stale, Transition.REJECT, {"reason": "too late"})
    # A visit that took place: its patient cannot cancel it, its doctor completes it.
    held = await booked_last_week(ALICE, "09:30", confirmed=True)
    with pytest.raises(Conflict, match="no longer be cancelled"):
        await change_status(client, db, ALICE, held, Transition.CANCEL)
    assert await status(held) == "confirmed"
    await change_status(client, db, doctor, held, Transition.COMPLETE)
    assert await status(held) == "completed"
    # One that did not happen: its doctor may still cancel it.
    missed = await booked_last_week(BOB, "10:00", confirmed=True)
    await change_status(client, db, doctor, missed, Transition.CANCEL)
    assert await status(missed) == "cancelled"

    # A visit to come is not completed ahead of time; without a notice its patient cancels
    # up to the start, not from it.
    body = {"doctor_id": doctor.id, "start": at(next_monday(), "09:00"), "reason": "x"}
    upcoming = await book(client, db, BOB, body)
    upcoming_id, start = str(upcoming["_id"]), upcoming["start"]
    await change_status(client, db, doctor, upcoming_id, Transition.CONFIRM)
    with pytest.raises(Conflict, match="cannot be completed before"):
        await change_status(client, db, doctor, upcoming_id, Transition.COMPLETE)
    with pytest.raises(Conflict, match="no longer be cancelled"):
        await change_status(client, db, BOB, upcoming_id, Transition.CANCEL, now=start)
    assert await status(upcoming_id) == "confirmed"
    just_before = start - timedelta(minutes=1)
    await change_status(client, db, BOB, upcoming_id, Transition.CANCEL, now=just_before)
    assert await status(upcoming_id) == "cancelled"


async def test_a_start_that_is_not_a_slot_is_refused(store) -> None:
    client, db, doctor = store
    day = next_monday()
    for start in (at(day, "09:10"), at(day, "13:00"), at(day - timedelta(days=7), "09:00")):
        with pytest.raises(InvalidInput):
            await book(client, db, ALICE, {"doctor_id": doctor.id, "start": start, "reason": "x"})
    with pytest.raises(NotFound):
        await book(
            client, db, ALICE, {"doctor_id": "nobody", "start": at(day, "09:00"), "reason": "x"}
        )
    await scheduling.add_time_off(
        db, doctor.id, {"start": at(day, "11:00"), "end": at(day, "12:00"), "reason": "meeting"}
    )
    with pytest.raises(Conflict):
        await book(
            client, db, ALICE, {"doctor_id": doctor.id, "start": at(day, "11:30"), "reason": "x"}
        )
    # Time off that begins inside a slot takes the whole slot, and nothing after it.
    await scheduling.add_time_off(
        db, doctor.id, {"start": at(day, "10:10"), "end": at(day, "10:20"), "reason": "call"}
    )
    with pytest.raises(Conflict):
        await book(
            client, db, ALICE, {"doctor_id": doctor.id, "start": at(day, "10:00"), "reason": "x"}
        )
    after = await book(
        client, db, ALICE, {"doctor_id": doctor.id, "start": at(day, "10:30"), "reason": "x"}
    )
    assert after["status"] == "requested"


async def test_each_reminder_is_sent_once_and_never_for_cancelled(store) -> None:
    client, db, doctor = store
    day = next_monday()
    kept = await book(
        client, db, ALICE, {"doctor_id": doctor.id, "start": at(day, "09:00"), "reason": "x"}
    )
    dropped = await book(
        client, db, BOB, {"doctor_id": doctor.id, "start": at(day, "09:30"), "reason": "x"}
    )
    for doc in (kept, dropped):
        await change_status(client, db, doctor, str(doc["_id"]), Transition.CONFIRM)
    await change_status(client, db, BOB, str(dropped["_id"]), Transition.CANCEL)

    day_before = kept["start"] - timedelta(hours=20)
    hour_before = kept["start"] - timedelta(minutes=50)
    for now in (day_before, day_before, hour_before, hour_before):
        for appointment_id, kind in await due_reminders(db, now=now):
            await send_reminder(client, db, appointment_id, kind, now=now)
        # a second job for the same reminder (the sweep ran twice) sends nothing
        assert not await send_reminder(client, db, str(kept["_id"]), "24h", now=day_before)
    reminders = [e["event"] async for e in db.outbox.find({"event.type": "appointment.reminder"})]
    assert sorted(r["data"]["kind"] for r in reminders) == ["1h", "24h"]
    assert {r["data"]["appointment_id"] for r in reminders} == {str(kept["_id"])}
    assert all(r["patient_id"] == "alice" for r in reminders)


async def test_a_hold_left_by_a_crash_stops_blocking_the_slot(store) -> None:
    client, db, doctor = store
    day = next_monday()
    start = datetime.fromisoformat(at(day, "09:30").replace("Z", "+00:00"))
    orphan = {
        "_id": hold_id(doctor.id, start),
        "doctor_id": doctor.id,
        "start": start,
        "end": start + timedelta(minutes=30),
        "appointment_id": str(ObjectId()),  # never written: the process died in between
    }
    body = {"doctor_id": doctor.id, "start": at(day, "09:30"), "reason": "x"}
    await db.slot_holds.insert_one({**orphan, "created_at": datetime.now(UTC)})
    with pytest.raises(Conflict):  # too recent to tell from a booking in progress
        await book(client, db, ALICE, body)
    await db.slot_holds.delete_one({"_id": orphan["_id"]})
    await db.slot_holds.insert_one(
        {**orphan, "created_at": datetime.now(UTC) - timedelta(minutes=5)}
    )
    assert await scheduling.free_slots(db, doctor.id, day, day)  # others still offered
    booked = await book(client, db, ALICE, body)
    assert booked["patient_id"] == "alice"
    assert (await db.slot_holds.find_one({"_id": orphan["_id"]}))["appointment_id"] == str(
        booked["_id"]
    )


async def test_by_default_slots_start_on_the_doctor_s_today(settings: Settings) -> None:
    """At 22:00 in Los Angeles it is already tomorrow in UTC: the evening's slots were
    left out of GET /doctors/{id}/slots without `from` (its first was the next day's)."""
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    doctor = await make_person(db, settings, "doctor")
    every_evening = [{"weekday": d, "start": "20:00", "end": "23:00"} for d in range(7)]
    await scheduling.set_availability(
        db,
        doctor.id,
        {"timezone": "America/Los_Angeles", "slot_minutes": 30, "weekly": every_evening},
    )
    now = datetime(2027, 1, 5, 5, 50, tzinfo=UTC)  # Monday 4 January, 21:50 in Los Angeles
    slots = await scheduling.free_slots(db, doctor.id, None, None, now=now)
    assert slots[0].as_dict()["start"] == "2027-01-05T06:00:00Z"  # 22:00 the same evening
    client.close()
