"""The waiting list: joining, the offer of a freed slot to the first one waiting, its hold,
taking it up by booking, and what happens when it runs out or the patient leaves."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from config.settings import Settings
from domain.appointments.booking import book, write_holding
from domain.events import Actor
from domain.scheduling.slots import Slot
from domain.shared.errors import Conflict
from domain.waitlist.entries import MAX_ACTIVE
from domain.waitlist.offers import expire_offers, offer_slot
from tests.events.support import eventually
from tests.support.people import make_person

WAITLIST = "/api/v1/waitlist"
EVERY_DAY = {
    "timezone": "UTC",
    "slot_minutes": 30,
    "weekly": [{"weekday": d, "start": "00:00", "end": "23:30"} for d in range(7)],
}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def day_after_tomorrow_at(hour: int) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def mongo(db: Any) -> Any:
    """The client of `db`: transactions need the two to match."""
    return db.client


@pytest.fixture
async def people(db: Any, settings: Settings, client: Any) -> dict[str, Any]:
    doctor = await make_person(db, settings, "doctor", "Karim", "Haddad")
    saved = await client.put(
        "/api/v1/doctors/me/availability", json=EVERY_DAY, headers=doctor.headers
    )
    assert saved.status_code == 200, saved.text
    cast = {"doctor": doctor}
    for name in ("alice", "bob", "carol"):
        cast[name] = await make_person(db, settings, "patient", name.title(), "Patient")
    return cast


async def join(client: Any, patient: Any, doctor: Any, earliest: datetime, latest: datetime) -> Any:
    body = {"doctor_id": doctor.id, "earliest": iso(earliest), "latest": iso(latest)}
    return await client.post(WAITLIST, json=body, headers=patient.headers)


async def book_slot(client: Any, patient: Any, doctor: Any, start: datetime) -> Any:
    body = {"doctor_id": doctor.id, "start": iso(start), "reason": "check-up"}
    return await client.post("/api/v1/appointments", json=body, headers=patient.headers)


async def entry(client: Any, patient: Any, entry_id: str) -> dict[str, Any]:
    answer = await client.get(f"{WAITLIST}/{entry_id}", headers=patient.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def a_freed_slot(client: Any, people: dict[str, Any]) -> tuple[datetime, str, str]:
    """Alice books 10:00 and cancels; then Bob, then Carol, wait for a window around it:
    the slot is free and nobody was offered it yet (a cancellation offers it at once when
    somebody already waits: see the next test), so the tests offer it as the stream would.
    Returns the slot's start and the two entries' ids, in the order they joined."""
    doctor, start = people["doctor"], day_after_tomorrow_at(10)
    booked = await book_slot(client, people["alice"], doctor, start)
    assert booked.status_code == 201, booked.text
    cancel = f"/api/v1/appointments/{booked.json()['id']}/cancel"
    assert (await client.post(cancel, json={}, headers=people["alice"].headers)).status_code == 200
    waiting = []
    for name in ("bob", "carol"):
        joined = await join(client, people[name], doctor, start - timedelta(hours=2),
                            start + timedelta(hours=2))  # fmt: skip
        assert joined.status_code == 201, joined.text
        assert joined.json()["status"] == "waiting"
        waiting.append(joined.json()["id"])
    return start, waiting[0], waiting[1]


async def test_a_cancellation_offers_the_slot_at_once_to_the_first_one_waiting(
    client: Any, people: Any
) -> None:
    """In the same request, not seconds later once the event has gone through Kafka, the
    streams worker and a job: until then Carol, booking right after the cancellation, took
    the slot Bob was waiting for."""
    doctor, alice, bob, carol = (people[n] for n in ("doctor", "alice", "bob", "carol"))
    start = day_after_tomorrow_at(11)
    booked = await book_slot(client, alice, doctor, start)
    assert booked.status_code == 201, booked.text
    window = (start - timedelta(hours=2), start + timedelta(hours=2))
    bobs = (await join(client, bob, doctor, *window)).json()["id"]
    cancel = f"/api/v1/appointments/{booked.json()['id']}/cancel"
    assert (await client.post(cancel, json={}, headers=alice.headers)).status_code == 200
    taken = await book_slot(client, carol, doctor, start)
    assert taken.status_code == 409, taken.text
    shown = await entry(client, bob, bobs)
    assert shown["status"] == "offered" and shown["offer"]["start"] == iso(start)
    assert (await book_slot(client, bob, doctor, start)).status_code == 201


async def test_joining_is_validated_and_entries_are_private(client: Any, people: Any) -> None:
    doctor, bob, carol = people["doctor"], people["bob"], people["carol"]
    start = day_after_tomorrow_at(9)
    joined = await join(client, bob, doctor, start, start + timedelta(days=3))
    assert joined.status_code == 201, joined.text
    entry_id = joined.json()["id"]
    assert joined.json()["offer"] is None

    refusals = [
        ({"doctor_id": doctor.id, "earliest": iso(start), "latest": iso(start)}, "latest"),
        ({"doctor_id": doctor.id, "earliest": iso(start - timedelta(days=9)),
          "latest": iso(start - timedelta(days=8))}, "latest"),
        ({"doctor_id": doctor.id, "earliest": iso(start),
          "latest": iso(start + timedelta(days=120))}, "latest"),
        ({"doctor_id": doctor.id, "earliest": "soon", "latest": iso(start)}, "earliest"),
    ]  # fmt: skip
    for body, field in refusals:
        refused = await client.post(WAITLIST, json=body, headers=carol.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field
    unknown = await join(client, carol, people["alice"], start, start + timedelta(days=1))
    assert unknown.status_code == 404  # a patient is not a doctor one can wait for
    again = await join(client, bob, doctor, start, start + timedelta(days=1))
    assert again.status_code == 409  # one entry per doctor at a time
    by_doctor = await client.post(WAITLIST, json={}, headers=doctor.headers)
    assert by_doctor.status_code == 403

    mine = await client.get(WAITLIST, headers=bob.headers)
    assert [e["id"] for e in mine.json()["items"]] == [entry_id]
    assert (await client.get(WAITLIST, headers=carol.headers)).json()["total"] == 0
    theirs = await client.get(f"{WAITLIST}/{entry_id}", headers=carol.headers)
    missing = await client.get(f"{WAITLIST}/65a000000000000000000000", headers=carol.headers)
    assert theirs.status_code == missing.status_code == 404
    assert (await client.delete(f"{WAITLIST}/{entry_id}", headers=carol.headers)).status_code == 404

    assert (await client.delete(f"{WAITLIST}/{entry_id}", headers=bob.headers)).status_code == 204
    assert (await entry(client, bob, entry_id))["status"] == "left"
    assert (await client.delete(f"{WAITLIST}/{entry_id}", headers=bob.headers)).status_code == 409
    # Having left, Bob may wait for this doctor again.
    assert (await join(client, bob, doctor, start, start + timedelta(days=1))).status_code == 201


async def test_a_freed_slot_is_held_for_the_first_one_waiting(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    doctor, bob, carol = people["doctor"], people["bob"], people["carol"]
    start, bobs, carols = await a_freed_slot(client, people)
    now = datetime.now(UTC)

    offered = await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)
    assert offered == bobs
    assert (
        await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)
        is None
    )
    shown = await entry(client, bob, bobs)
    assert shown["status"] == "offered"
    assert shown["offer"]["start"] == iso(start)
    expires = datetime.fromisoformat(shown["offer"]["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - now <= timedelta(minutes=15, seconds=5)
    assert (await entry(client, carol, carols))["status"] == "waiting"
    event = await db.outbox.find_one({"event.type": "waitlist.slot_offered"})
    assert event["event"]["patient_id"] == bob.id
    assert event["event"]["subject"]["id"] == bobs

    # Held: nobody else sees or takes it; Bob books it.
    day = start.date().isoformat()
    slots = await client.get(f"/api/v1/doctors/{doctor.id}/slots?from={day}&to={day}")
    assert iso(start) not in [s["start"] for s in slots.json()]
    taken = await book_slot(client, carol, doctor, start)
    assert taken.status_code == 409, taken.text
    booked = await book_slot(client, bob, doctor, start)
    assert booked.status_code == 201, booked.text
    done = await entry(client, bob, bobs)
    assert done["status"] == "booked"
    assert done["appointment_id"] == booked.json()["id"]


async def test_a_deactivated_doctor_s_freed_slot_is_offered_to_nobody(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    """Nobody can book a deactivated doctor: the slot was offered (and held 15 minutes),
    then the booking refused."""
    doctor, bob = people["doctor"], people["bob"]
    start, bobs, _ = await a_freed_slot(client, people)
    await db.users.update_one({"_id": ObjectId(doctor.id)}, {"$set": {"active": False}})
    now = datetime.now(UTC)
    assert (
        await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)
        is None
    )
    assert (await entry(client, bob, bobs))["status"] == "waiting"
    assert await db.slot_holds.count_documents({"reserved_for": {"$exists": True}}) == 0


async def test_an_offer_not_taken_up_goes_to_the_next_one(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    doctor, bob, carol = people["doctor"], people["bob"], people["carol"]
    start, bobs, carols = await a_freed_slot(client, people)
    end = start + timedelta(minutes=30)
    now = datetime.now(UTC)
    assert await offer_slot(mongo, db, doctor.id, start, end, now=now) == bobs

    assert await expire_offers(mongo, db, now + timedelta(minutes=10)) == 0  # still in time
    assert await expire_offers(mongo, db, now + timedelta(minutes=16)) == 1
    back = await entry(client, bob, bobs)
    assert back["status"] == "waiting"  # keeps its place for other slots
    assert back["offer"] is None
    assert (await entry(client, carol, carols))["status"] == "offered"
    assert await db.outbox.count_documents({"event.type": "waitlist.offer_expired"}) == 1
    # The slot Bob let go is not offered to him again.
    assert await offer_slot(mongo, db, doctor.id, start, end, now=now) is None


async def test_a_lapsed_offer_no_longer_blocks_anyone(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    doctor, carol = people["doctor"], people["carol"]
    start, _, _ = await a_freed_slot(client, people)
    now = datetime.now(UTC)
    assert await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)
    body = {"doctor_id": doctor.id, "start": iso(start), "reason": "check-up"}
    carol_actor = Actor(id=carol.id, role="patient")
    with pytest.raises(Conflict):
        await book(mongo, db, carol_actor, body, now=now + timedelta(minutes=5))
    # Past the offer's end, before any sweep: the slot is anyone's.
    appointment = await book(mongo, db, carol_actor, body, now=now + timedelta(minutes=16))
    assert appointment["patient_id"] == carol.id


async def test_leaving_with_an_offer_passes_the_slot_on(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    doctor, bob, carol = people["doctor"], people["bob"], people["carol"]
    start, bobs, carols = await a_freed_slot(client, people)
    now = datetime.now(UTC)
    assert await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)
    assert (await client.delete(f"{WAITLIST}/{bobs}", headers=bob.headers)).status_code == 204
    assert (await entry(client, carol, carols))["status"] == "offered"
    assert (await book_slot(client, bob, doctor, start)).status_code == 409
    assert (await book_slot(client, carol, doctor, start)).status_code == 201


async def test_a_freed_slot_overlapping_another_visit_is_not_offered(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    """20-minute visits at 10:00 and 10:20, then 30-minute slots: the freed 10:00 is now
    10:00-10:30, over the 10:20 visit, so nobody is offered it, nor can book it."""
    doctor, alice, bob, carol = (people[n] for n in ("doctor", "alice", "bob", "carol"))
    url = "/api/v1/doctors/me/availability"
    await client.put(url, json={**EVERY_DAY, "slot_minutes": 20}, headers=doctor.headers)
    start = day_after_tomorrow_at(10)
    freed = await book_slot(client, alice, doctor, start)
    assert freed.status_code == 201, freed.text
    assert (await book_slot(client, bob, doctor, start + timedelta(minutes=20))).status_code == 201
    await client.put(url, json=EVERY_DAY, headers=doctor.headers)
    carols = (await join(client, carol, doctor, start, start + timedelta(hours=2))).json()["id"]
    cancel = f"/api/v1/appointments/{freed.json()['id']}/cancel"
    assert (await client.post(cancel, json={}, headers=alice.headers)).status_code == 200

    end = start + timedelta(minutes=20)  # as the cancellation's event gives it
    assert await offer_slot(mongo, db, doctor.id, start, end, now=datetime.now(UTC)) is None
    assert (await entry(client, carol, carols))["status"] == "waiting"
    assert await db.slot_holds.count_documents({"reserved_for": carol.id}) == 0
    assert (await book_slot(client, carol, doctor, start)).status_code == 409


async def test_windows_that_are_over_close(client: Any, mongo: Any, db: Any, people: Any) -> None:
    doctor, bob = people["doctor"], people["bob"]
    start = day_after_tomorrow_at(9)
    joined = await join(client, bob, doctor, start, start + timedelta(hours=3))
    assert await expire_offers(mongo, db, start + timedelta(hours=4)) == 1
    assert (await entry(client, bob, joined.json()["id"]))["status"] == "closed"


@pytest.mark.e2e
async def test_a_cancellation_reaches_the_waiting_patient(
    platform: Any, client: Any, db: Any, people: Any
) -> None:
    doctor, bob = people["doctor"], people["bob"]
    platform.start("streams")
    platform.start("worker")
    start, bobs, _ = await a_freed_slot(client, people)

    async def offered() -> Any:
        return (await entry(client, bob, bobs))["status"] == "offered"

    await eventually(offered, 90)

    async def notified() -> Any:
        return await db.notifications.find_one(
            {"user_id": bob.id, "event_type": "waitlist.slot_offered"}
        )

    notification = await eventually(notified, 60)
    assert bobs in notification["link"]
    assert (await book_slot(client, bob, doctor, start)).status_code == 201


@pytest.mark.e2e
async def test_joins_at_the_same_instant_keep_the_limits(
    client: Any, db: Any, settings: Settings, people: Any, platform: Any
) -> None:
    bob, carol, start = people["bob"], people["carol"], day_after_tomorrow_at(9)
    window = (start, start + timedelta(days=1))
    doctors = [people["doctor"]]
    for index in range(MAX_ACTIVE + 2):
        doctor = await make_person(db, settings, "doctor", f"Doc{index}", "Parallel")
        saved = await client.put(
            "/api/v1/doctors/me/availability", json=EVERY_DAY, headers=doctor.headers
        )
        assert saved.status_code == 200, saved.text
        doctors.append(doctor)
    # Over HTTP to a real web process, so that the requests truly overlap.
    web = platform.start("web")
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        same_doctor = await asyncio.gather(
            *(join(http, bob, people["doctor"], *window) for _ in range(6))
        )
        assert sorted(r.status_code for r in same_doctor) == [201] + [409] * 5
        assert (await http.get(WAITLIST, headers=bob.headers)).json()["total"] == 1

        many = await asyncio.gather(*(join(http, carol, doctor, *window) for doctor in doctors))
        assert sorted(r.status_code for r in many) == [201] * MAX_ACTIVE + [409] * 3
        assert (await http.get(WAITLIST, headers=carol.headers)).json()["total"] == MAX_ACTIVE


async def test_an_offer_whose_booking_fails_stays_held_for_its_patient(
    client: Any, mongo: Any, db: Any, people: Any
) -> None:
    doctor, bob, carol = people["doctor"], people["bob"], people["carol"]
    start, bobs, _ = await a_freed_slot(client, people)
    now = datetime.now(UTC)
    assert await offer_slot(mongo, db, doctor.id, start, start + timedelta(minutes=30), now=now)

    async def failing(session: Any) -> None:
        raise RuntimeError("the store went away in the middle of the booking")

    slot = Slot(start, start + timedelta(minutes=30))
    with pytest.raises(RuntimeError):
        await write_holding(
            mongo, db, doctor.id, slot, str(ObjectId()), failing, now=now, patient_id=bob.id
        )
    # Bob's offer stands: the slot is still his, not free for Carol.
    assert (await entry(client, bob, bobs))["status"] == "offered"
    assert (await book_slot(client, carol, doctor, start)).status_code == 409
    booked = await book_slot(client, bob, doctor, start)
    assert booked.status_code == 201, booked.text
    assert (await entry(client, bob, bobs))["status"] == "booked"


async def test_a_doctor_id_typed_in_upper_case_books_and_waits_for_that_doctor(
    client: Any, people: Any
) -> None:
    """The appointment and the waiting entry carry the doctor's id as stored, so the doctor
    sees the appointment, and its slot is taken for everyone."""
    doctor, alice, bob = people["doctor"], people["alice"], people["bob"]
    start = day_after_tomorrow_at(10)
    body = {"doctor_id": doctor.id.upper(), "start": iso(start), "reason": "Check-up"}
    booked = await client.post("/api/v1/appointments", json=body, headers=alice.headers)
    assert booked.status_code == 201, booked.text
    assert booked.json()["doctor_id"] == doctor.id
    listed = (await client.get("/api/v1/appointments", headers=doctor.headers)).json()
    assert [a["id"] for a in listed["items"]] == [booked.json()["id"]]
    again = await client.post("/api/v1/appointments", json=body, headers=bob.headers)
    assert again.status_code == 409

    waiting = {
        "doctor_id": doctor.id.upper(),
        "earliest": iso(start),
        "latest": iso(start + timedelta(hours=2)),
    }
    joined = await client.post(WAITLIST, json=waiting, headers=bob.headers)
    assert joined.status_code == 201, joined.text
    assert joined.json()["doctor_id"] == doctor.id
