"""A doctor is listed only once their email is verified: a just-registered account (which
cannot even sign in) was in the search, its profile and slots were public; it could be
referred to and waited for."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from config.settings import Settings
from domain.scheduling import service as scheduling
from tests.auth.support import doctor_form, verification_token
from tests.messaging.conftest import give_care
from tests.support.people import Person, make_person


async def test_a_doctor_is_public_only_once_their_email_is_verified(
    client, settings: Settings
) -> None:
    form = doctor_form(last_name="Unverifiedson")
    created = await client.post("/api/v1/auth/register", json=form)
    assert created.status_code == 201, created.text
    doctor_id = created.json()["id"]

    async def listed() -> list[str]:
        found = await client.get("/api/v1/doctors", params={"q": "Unverifiedson"})
        assert found.status_code == 200, found.text
        return [item["id"] for item in found.json()["items"]]

    assert await listed() == []
    assert (await client.get(f"/api/v1/doctors/{doctor_id}")).status_code == 404
    assert (await client.get(f"/api/v1/doctors/{doctor_id}/slots")).status_code == 404

    token = await verification_token(settings, doctor_id)
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert await listed() == [doctor_id]
    assert (await client.get(f"/api/v1/doctors/{doctor_id}")).status_code == 200
    assert (await client.get(f"/api/v1/doctors/{doctor_id}/slots")).status_code == 200


async def test_an_unverified_doctor_is_answered_like_an_unknown_one(
    client, db, settings: Settings
) -> None:
    """Not referred to, waited for or booked either, even with hours saved (as an account
    could have in the store): each answers as for a doctor id that does not exist."""
    gp = await make_person(db, settings, "doctor", "Sami")
    patient = await make_person(db, settings, "patient", "Nour")
    await give_care(db, gp.id, patient.id)
    doctor = await make_person(db, settings, "doctor", "Leila", email_verified=False)
    unknown = str(ObjectId())
    hours = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)]
    for doctor_id in (doctor.id, unknown):
        body = {"timezone": "UTC", "slot_minutes": 30, "weekly": hours}
        await scheduling.set_availability(db, doctor_id, body)
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()

    def calls(doctor_id: str) -> list[tuple[str, Person, dict[str, Any]]]:
        return [
            (
                "/api/v1/referrals",
                gp,
                {"patient_id": patient.id, "to_doctor_id": doctor_id, "reason": "Palpitations"},
            ),
            (
                "/api/v1/waitlist",
                patient,
                {
                    "doctor_id": doctor_id,
                    "earliest": f"{day}T09:00:00Z",
                    "latest": f"{day}T12:00:00Z",
                },
            ),
            (
                "/api/v1/appointments",
                patient,
                {"doctor_id": doctor_id, "start": f"{day}T10:00:00Z", "reason": "Check-up"},
            ),
        ]

    async def answers(doctor_id: str) -> list[tuple[int, Any]]:
        found = []
        for url, caller, body in calls(doctor_id):
            response = await client.post(url, json=body, headers=caller.headers)
            found.append((response.status_code, response.json().get("errors")))
        return found

    refused = await answers(doctor.id)
    assert refused == await answers(unknown)
    assert all(status == 404 for status, _ in refused), refused

    await db.users.update_one({"_id": ObjectId(doctor.id)}, {"$set": {"email_verified": True}})
    assert [status for status, _ in await answers(doctor.id)] == [201, 201, 201]
