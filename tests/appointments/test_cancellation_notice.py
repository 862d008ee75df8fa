"""A doctor's cancellation notice: patients cancel before it, doctors at any time."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from tests.appointments.conftest import WEEKDAYS_9_TO_12
from tests.support.people import make_person

AVAILABILITY = "/api/v1/doctors/me/availability"


@pytest.fixture
async def people(db: Any, settings: Settings) -> tuple[Any, Any]:
    doctor = await make_person(db, settings, "doctor", "Karim", "Haddad")
    patient = await make_person(db, settings, "patient", "Alice", "Martin")
    return doctor, patient


def all_day(notice: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "timezone": "UTC",
        "slot_minutes": 30,
        "weekly": [{"weekday": d, "start": "00:00", "end": "23:30"} for d in range(7)],
    }
    if notice is not None:
        body["cancellation_notice_hours"] = notice
    return body


def slot_in(hours: float) -> str:
    """The start of a 30-minute slot of `all_day` about `hours` from now (UTC): its last
    slot starts at 23:00, so a moment after 23:30 takes that one."""
    moment = datetime.now(UTC) + timedelta(hours=hours)
    moment = moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)
    if (moment.hour, moment.minute) == (23, 30):
        moment -= timedelta(minutes=30)
    return moment.isoformat().replace("+00:00", "Z")


async def book(client: Any, doctor: Any, patient: Any, start: str) -> dict[str, Any]:
    body = {"doctor_id": doctor.id, "start": start, "reason": "check-up"}
    booked = await client.post("/api/v1/appointments", json=body, headers=patient.headers)
    assert booked.status_code == 201, booked.text
    return dict(booked.json())


async def cancel(client: Any, who: Any, appointment_id: str) -> Any:
    url = f"/api/v1/appointments/{appointment_id}/cancel"
    return await client.post(url, json={"reason": "cannot come"}, headers=who.headers)


async def test_the_notice_is_stored_and_validated(client: Any, people: Any) -> None:
    doctor, _ = people
    saved = await client.put(AVAILABILITY, json=all_day(24), headers=doctor.headers)
    assert saved.status_code == 200, saved.text
    got = (await client.get(AVAILABILITY, headers=doctor.headers)).json()
    assert got["cancellation_notice_hours"] == 24
    for bad in (-1, 721, 1.5, "a day"):
        refused = await client.put(AVAILABILITY, json=all_day(bad), headers=doctor.headers)
        assert refused.status_code in (400, 422), (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == "cancellation_notice_hours"
    assert (await client.get(AVAILABILITY, headers=doctor.headers)).json() == got
    # Without a notice, what was PUT is exactly what GET gives back.
    await client.put(AVAILABILITY, json=WEEKDAYS_9_TO_12, headers=doctor.headers)
    assert (await client.get(AVAILABILITY, headers=doctor.headers)).json() == WEEKDAYS_9_TO_12


async def test_a_patient_cannot_cancel_inside_the_notice(client: Any, people: Any, db: Any) -> None:
    doctor, patient = people
    await client.put(AVAILABILITY, json=all_day(24), headers=doctor.headers)
    soon = await book(client, doctor, patient, slot_in(5))
    later = await book(client, doctor, patient, slot_in(48))
    assert soon["cancellation_notice_hours"] == 24
    deadline = datetime.fromisoformat(soon["patient_cancellable_until"].replace("Z", "+00:00"))
    assert deadline == datetime.fromisoformat(soon["start"].replace("Z", "+00:00")) - timedelta(
        hours=24
    )

    refused = await cancel(client, patient, soon["id"])
    assert refused.status_code == 409, refused.text
    assert "24 hours" in refused.json()["detail"]
    stored = await db.appointments.find_one({"_id": ObjectId(soon["id"])})
    assert stored["status"] == "requested"  # nothing changed
    assert await db.slot_holds.count_documents({"appointment_id": soon["id"]}) == 1

    assert (await cancel(client, patient, later["id"])).status_code == 200
    # The doctor is not held to it.
    assert (await cancel(client, doctor, soon["id"])).status_code == 200


async def test_appointments_keep_the_notice_they_were_booked_under(
    client: Any, people: Any
) -> None:
    doctor, patient = people
    await client.put(AVAILABILITY, json=all_day(None), headers=doctor.headers)
    before = await book(client, doctor, patient, slot_in(5))
    assert "patient_cancellable_until" not in before
    await client.put(AVAILABILITY, json=all_day(72), headers=doctor.headers)
    after = await book(client, doctor, patient, slot_in(6))
    assert (await cancel(client, patient, before["id"])).status_code == 200
    assert (await cancel(client, patient, after["id"])).status_code == 409
