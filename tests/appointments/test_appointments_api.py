"""The Appointments rows of the contract, through the HTTP API."""

from datetime import timedelta

import pytest

from config.settings import Settings
from tests.appointments.conftest import WEEKDAYS_9_TO_12, move_back, next_monday
from tests.support.people import make_person

# Africa/Tunis is UTC+1 all year: 09:00 local is 08:00Z.


@pytest.fixture
async def people(db, settings: Settings):  # type: ignore[no-untyped-def]
    doctor = await make_person(db, settings, "doctor", "Karim", "Haddad", specialty="cardiology")
    other_doctor = await make_person(db, settings, "doctor", "Leila", "Trabelsi")
    alice = await make_person(db, settings, "patient", "Alice", "Martin")
    bob = await make_person(db, settings, "patient", "Bob", "Durand")
    admin = await make_person(db, settings, "admin", "Ada", "Admin")
    return doctor, other_doctor, alice, bob, admin


async def test_availability_round_trip_and_refusals(client, people) -> None:
    doctor, _, alice, _, _ = people
    url = "/api/v1/doctors/me/availability"
    assert (await client.put(url, json=WEEKDAYS_9_TO_12)).status_code == 401
    assert (await client.put(url, json=WEEKDAYS_9_TO_12, headers=alice.headers)).status_code == 403
    saved = await client.put(url, json=WEEKDAYS_9_TO_12, headers=doctor.headers)
    assert saved.status_code == 200
    got = await client.get(url, headers=doctor.headers)
    assert got.json() == WEEKDAYS_9_TO_12

    bad = {**WEEKDAYS_9_TO_12, "timezone": "Europe/Atlantis"}
    refused = await client.put(url, json=bad, headers=doctor.headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "timezone"
    overlapping = {
        **WEEKDAYS_9_TO_12,
        "weekly": [
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "11:30", "end": "13:00"},
        ],
    }
    assert (await client.put(url, json=overlapping, headers=doctor.headers)).status_code == 422
    assert (await client.get(url, headers=doctor.headers)).json() == WEEKDAYS_9_TO_12


async def test_slots_time_off_and_booking(client, people) -> None:
    doctor, _, alice, bob, _ = people
    await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
    )
    monday = next_monday()
    off = await client.post(
        "/api/v1/doctors/me/time-off",
        json={"start": f"{monday}T10:00:00Z", "end": f"{monday}T11:00:00Z", "reason": "meeting"},
        headers=doctor.headers,
    )
    assert off.status_code == 201
    listed = (await client.get("/api/v1/doctors/me/time-off", headers=doctor.headers)).json()
    assert [(t["start"], t["reason"]) for t in listed["items"]] == [
        (f"{monday}T10:00:00Z", "meeting")
    ]
    assert (listed["total"], listed["page"], listed["page_size"]) == (1, 1, 20)
    backwards = {"start": f"{monday}T11:00:00Z", "end": f"{monday}T10:00:00Z"}
    refused = await client.post(
        "/api/v1/doctors/me/time-off", json=backwards, headers=doctor.headers
    )
    assert refused.status_code == 422
    extra = await client.post(
        "/api/v1/doctors/me/time-off",
        json={"start": f"{monday}T08:00:00Z", "end": f"{monday}T08:30:00Z"},
        headers=doctor.headers,
    )
    gone = await client.delete(
        f"/api/v1/doctors/me/time-off/{extra.json()['id']}", headers=doctor.headers
    )
    assert gone.status_code == 204
    assert (
        await client.delete(
            f"/api/v1/doctors/me/time-off/{extra.json()['id']}", headers=doctor.headers
        )
    ).status_code == 404

    slots_url = f"/api/v1/doctors/{doctor.id}/slots"
    slots = (await client.get(slots_url, params={"from": str(monday), "to": str(monday)})).json()
    starts = [s["start"] for s in slots]
    # 08:00Z..10:30Z local 09:00..11:30, less the two inside the time off (10:00Z, 10:30Z)
    assert starts == [
        f"{monday}T08:00:00Z",
        f"{monday}T08:30:00Z",
        f"{monday}T09:00:00Z",
        f"{monday}T09:30:00Z",
    ]
    assert slots[0]["end"] == f"{monday}T08:30:00Z"

    too_long = {"from": str(monday), "to": str(monday + timedelta(days=40))}
    assert (await client.get(slots_url, params=too_long)).status_code == 422
    assert (await client.get("/api/v1/doctors/ffffffffffffffffffffffff/slots")).status_code == 404

    body = {"doctor_id": doctor.id, "start": f"{monday}T08:30:00Z", "reason": "chest pain"}
    booked = await client.post("/api/v1/appointments", json=body, headers=alice.headers)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["status"] == "requested" and appointment["mode"] == "in_person"
    assert appointment["doctor_name"] == "Karim Haddad"
    assert appointment["patient_name"] == "Alice Martin"
    assert (
        appointment["start"] == f"{monday}T08:30:00Z"
        and appointment["end"] == f"{monday}T09:00:00Z"
    )

    taken = await client.post("/api/v1/appointments", json=body, headers=bob.headers)
    assert taken.status_code == 409
    slots = (await client.get(slots_url, params={"from": str(monday), "to": str(monday)})).json()
    assert f"{monday}T08:30:00Z" not in [s["start"] for s in slots]

    not_a_slot = {**body, "start": f"{monday}T08:10:00Z"}
    assert (
        await client.post("/api/v1/appointments", json=not_a_slot, headers=bob.headers)
    ).status_code == 422
    in_time_off = {**body, "start": f"{monday}T10:30:00Z"}
    assert (
        await client.post("/api/v1/appointments", json=in_time_off, headers=bob.headers)
    ).status_code == 409
    assert (
        await client.post("/api/v1/appointments", json=body, headers=doctor.headers)
    ).status_code == 403
    video = {**body, "start": f"{monday}T09:00:00Z", "mode": "video"}
    assert (await client.post("/api/v1/appointments", json=video, headers=bob.headers)).json()[
        "mode"
    ] == "video"


async def test_time_off_is_listed_in_pages_soonest_first(client, people) -> None:
    doctor, other_doctor, *_ = people
    url = "/api/v1/doctors/me/time-off"
    monday = next_monday()
    days = [monday + timedelta(days=n) for n in (14, 0, 7)]  # stored out of order
    for day in days:
        added = await client.post(
            url, json={"start": f"{day}T10:00:00Z", "end": f"{day}T11:00:00Z"},
            headers=doctor.headers,
        )  # fmt: skip
        assert added.status_code == 201
    await client.post(
        url, json={"start": f"{monday}T12:00:00Z", "end": f"{monday}T13:00:00Z"},
        headers=other_doctor.headers,
    )  # fmt: skip

    first = (await client.get(url, params={"page_size": 2}, headers=doctor.headers)).json()
    second = await client.get(url, params={"page": 2, "page_size": 2}, headers=doctor.headers)
    assert [t["start"][:10] for t in first["items"]] == [str(monday), str(days[2])]
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [t["start"][:10] for t in second.json()["items"]] == [str(days[0])]
    assert second.json()["total"] == 3
    too_big = await client.get(url, params={"page_size": 101}, headers=doctor.headers)
    assert too_big.status_code == 422


async def test_a_shorter_slot_length_never_books_over_an_appointment(client, people) -> None:
    doctor, _, alice, bob, _ = people
    url = "/api/v1/doctors/me/availability"
    await client.put(url, json=WEEKDAYS_9_TO_12, headers=doctor.headers)
    monday = next_monday()
    body = {"doctor_id": doctor.id, "start": f"{monday}T08:30:00Z", "reason": "x"}
    assert (
        await client.post("/api/v1/appointments", json=body, headers=alice.headers)
    ).status_code == 201  # 08:30-09:00
    await client.put(url, json={**WEEKDAYS_9_TO_12, "slot_minutes": 20}, headers=doctor.headers)

    # 08:20-08:40 and 08:40-09:00 start on the new grid but overlap Alice's visit.
    for hhmm in ("08:20", "08:40"):
        overlapping = {**body, "start": f"{monday}T{hhmm}:00Z"}
        refused = await client.post("/api/v1/appointments", json=overlapping, headers=bob.headers)
        assert refused.status_code == 409, (hhmm, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    clear = {**body, "start": f"{monday}T09:00:00Z"}
    assert (
        await client.post("/api/v1/appointments", json=clear, headers=bob.headers)
    ).status_code == 201
    mine = (await client.get("/api/v1/appointments", headers=doctor.headers)).json()
    assert sorted((a["start"], a["end"]) for a in mine["items"]) == [
        (f"{monday}T08:30:00Z", f"{monday}T09:00:00Z"),
        (f"{monday}T09:00:00Z", f"{monday}T09:20:00Z"),
    ]


async def test_a_deactivated_doctor_cannot_be_booked(client, people, db) -> None:
    doctor, _, alice, _, _ = people
    await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
    )
    from bson import ObjectId

    await db.users.update_one({"_id": ObjectId(doctor.id)}, {"$set": {"active": False}})
    body = {"doctor_id": doctor.id, "start": f"{next_monday()}T08:00:00Z", "reason": "x"}
    refused = await client.post("/api/v1/appointments", json=body, headers=alice.headers)
    assert refused.status_code == 404
    assert (await client.get(f"/api/v1/doctors/{doctor.id}")).status_code == 404


async def test_life_cycle_listing_and_privacy(client, people, db) -> None:
    doctor, other_doctor, alice, bob, admin = people
    await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
    )
    monday = next_monday()

    async def book(patient, hhmm: str) -> dict:  # type: ignore[no-untyped-def]
        response = await client.post(
            "/api/v1/appointments",
            json={"doctor_id": doctor.id, "start": f"{monday}T{hhmm}:00Z", "reason": "visit"},
            headers=patient.headers,
        )
        assert response.status_code == 201, response.text
        return response.json()

    first = await book(alice, "08:00")
    second = await book(alice, "09:00")
    bobs = await book(bob, "08:30")
    url = f"/api/v1/appointments/{first['id']}"

    # Someone else's appointment and profile are not found, never forbidden.
    assert (await client.get(url, headers=bob.headers)).status_code == 404
    assert (await client.get(url, headers=other_doctor.headers)).status_code == 404
    assert (await client.post(f"{url}/cancel", json={}, headers=bob.headers)).status_code == 404
    assert (
        await client.get(f"/api/v1/patients/{alice.id}", headers=bob.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/patients/{alice.id}", headers=other_doctor.headers)
    ).status_code == 404
    assert (
        await client.get("/api/v1/appointments/not-an-id", headers=alice.headers)
    ).status_code == 404
    for reader in (alice, doctor, admin):
        assert (await client.get(url, headers=reader.headers)).status_code == 200
        assert (
            await client.get(f"/api/v1/patients/{alice.id}", headers=reader.headers)
        ).status_code == 200
    # Each of the three read the appointment and the profile: six reads of Alice's record.
    reads = await db.outbox.count_documents(
        {"event.type": "record.accessed", "topic": "audit.access"}
    )
    assert reads == 6

    mine = (await client.get("/api/v1/appointments", headers=alice.headers)).json()
    assert mine["total"] == 2 and mine["page"] == 1 and mine["page_size"] == 20
    assert [a["id"] for a in mine["items"]] == [second["id"], first["id"]]  # newest first
    theirs = (await client.get("/api/v1/appointments", headers=doctor.headers)).json()
    assert theirs["total"] == 3
    paged = (
        await client.get(
            "/api/v1/appointments", params={"page_size": 1, "page": 2}, headers=doctor.headers
        )
    ).json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
    assert (
        await client.get("/api/v1/appointments", params={"page_size": 101}, headers=doctor.headers)
    ).status_code in (400, 422)

    # Only the doctor confirms; an illegal transition is 409.
    assert (await client.post(f"{url}/confirm", headers=alice.headers)).status_code == 403
    confirmed = await client.post(f"{url}/confirm", headers=doctor.headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert (await client.post(f"{url}/confirm", headers=doctor.headers)).status_code == 409
    assert (
        await client.post(f"{url}/reject", json={"reason": "late"}, headers=doctor.headers)
    ).status_code == 409
    early = await client.post(f"{url}/complete", headers=doctor.headers)
    assert early.status_code == 409 and "cannot be completed before" in early.json()["detail"]
    # The visit takes place (its stored time moves a week back), then it is completed.
    await move_back(db, first["id"], timedelta(days=7))
    completed = await client.post(f"{url}/complete", headers=doctor.headers)
    assert completed.json()["status"] == "completed"
    assert [h["status"] for h in completed.json()["history"]] == [
        "requested",
        "confirmed",
        "completed",
    ]
    assert (await client.post(f"{url}/cancel", json={}, headers=alice.headers)).status_code == 409

    second_url = f"/api/v1/appointments/{second['id']}"
    assert (
        await client.post(f"{second_url}/reject", json={}, headers=doctor.headers)
    ).status_code == 422
    assert (await client.post(f"{second_url}/complete", headers=doctor.headers)).status_code == 409
    cancelled = await client.post(
        f"{second_url}/cancel", json={"reason": "better"}, headers=alice.headers
    )
    assert (
        cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "better"
    )

    bobs_url = f"/api/v1/appointments/{bobs['id']}"
    rejected = await client.post(
        f"{bobs_url}/reject", json={"reason": "full"}, headers=doctor.headers
    )
    assert rejected.json()["status"] == "rejected"
    # A rejected appointment gives no care relationship; the freed slot can be booked again.
    assert (
        await client.get(f"/api/v1/patients/{bob.id}", headers=doctor.headers)
    ).status_code == 404
    await book(alice, "08:30")

    only = (
        await client.get(
            "/api/v1/appointments", params={"status": "cancelled"}, headers=alice.headers
        )
    ).json()
    assert [a["id"] for a in only["items"]] == [second["id"]]
    window = {"from": str(monday + timedelta(days=1)), "to": str(monday + timedelta(days=2))}
    assert (await client.get("/api/v1/appointments", params=window, headers=alice.headers)).json()[
        "total"
    ] == 0

    events = [e["event"] async for e in db.outbox.find({"topic": "appointments.events"})]
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    assert len(by_type["appointment.requested"]) == 4
    for kind in ("confirmed", "completed", "cancelled", "rejected"):
        assert len(by_type[f"appointment.{kind}"]) == 1
    confirmed_event = by_type["appointment.confirmed"][0]
    assert confirmed_event["patient_id"] == alice.id
    assert confirmed_event["data"]["doctor_id"] == doctor.id
    assert confirmed_event["data"]["patient_id"] == alice.id
    assert confirmed_event["data"]["start"] == f"{monday}T08:00:00Z"
    assert confirmed_event["actor"] == {"id": doctor.id, "role": "doctor"}
