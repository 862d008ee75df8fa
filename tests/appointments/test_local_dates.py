"""`GET /appointments?from=&to=` takes the dates as days where the doctor works, like
`/doctors/{id}/slots`: a Los Angeles doctor's Monday evening is Monday, though it is
Tuesday in UTC."""

from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.appointments.local_day import DONE_ID, date_old_appointments
from tests.appointments.conftest import next_monday
from tests.support.people import make_person

LOS_ANGELES = {
    "timezone": "America/Los_Angeles",
    "slot_minutes": 60,
    "weekly": [{"weekday": 0, "start": "15:00", "end": "19:00"}],
}


@pytest.fixture
async def people(db: Any, settings: Settings, client: Any) -> tuple[Any, Any]:
    doctor = await make_person(db, settings, "doctor", "Karim", "Haddad")
    patient = await make_person(db, settings, "patient", "Alice", "Martin")
    saved = await client.put(
        "/api/v1/doctors/me/availability", json=LOS_ANGELES, headers=doctor.headers
    )
    assert saved.status_code == 200, saved.text
    return doctor, patient


async def listed(client: Any, who: Any, first: Any, last: Any, **params: Any) -> dict[str, Any]:
    params = {"from": str(first), "to": str(last), **params}
    answer = await client.get("/api/v1/appointments", params=params, headers=who.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_day_is_the_doctors_local_day(client: Any, db: Any, people: Any) -> None:
    doctor, patient = people
    monday = next_monday()
    slots = (
        await client.get(
            f"/api/v1/doctors/{doctor.id}/slots", params={"from": str(monday), "to": str(monday)}
        )
    ).json()
    # Monday 15:00 local is still Monday in UTC (22:00 or 23:00Z); 18:00 is Tuesday there.
    first, evening = slots[0]["start"], slots[-1]["start"]
    assert first.startswith(str(monday)) and evening.startswith(str(monday + timedelta(days=1)))
    ids = []
    for start in (first, evening):
        body = {"doctor_id": doctor.id, "start": start, "reason": "x"}
        booked = await client.post("/api/v1/appointments", json=body, headers=patient.headers)
        assert booked.status_code == 201, booked.text
        ids.append(booked.json()["id"])

    for who in (doctor, patient):
        got = await listed(client, who, monday, monday)
        assert got["total"] == 2 and {a["id"] for a in got["items"]} == set(ids)
        paged = await listed(client, who, monday, monday, page_size=1, page=2)
        assert paged["total"] == 2 and [a["id"] for a in paged["items"]] == [ids[0]]
        tuesday = monday + timedelta(days=1)
        assert (await listed(client, who, tuesday, tuesday))["total"] == 0

    # An appointment stored before appointments carried their local day (in a database
    # whose web processes have not yet started with this release) is dated at start.
    old = await db.appointments.find_one({"_id": ObjectId(ids[1])})
    old.update(_id=ObjectId(), start=old["start"] + timedelta(days=7),
               end=old["end"] + timedelta(days=7))  # fmt: skip
    del old["local_date"]
    await db.appointments.insert_one(old)
    next_week = monday + timedelta(days=7)
    assert (await listed(client, doctor, next_week, next_week))["total"] == 0
    await db.migrations.delete_one({"_id": DONE_ID})  # this test's app already started
    await date_old_appointments(db)
    got = await listed(client, doctor, next_week, next_week)
    assert [a["id"] for a in got["items"]] == [str(old["_id"])]
