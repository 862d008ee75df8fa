"""Reading an appointment is reading the patient's record (its reason is clinical): each
read, by an admin, the treating doctor or the patient, leaves one `record.accessed`, as the
records and referrals reads do; lists leave one per patient on the page."""

from typing import Any

import pytest

from config.settings import Settings
from tests.appointments.conftest import book_next_monday_at_nine, next_monday
from tests.support.people import make_person


@pytest.fixture
async def people(db: Any, settings: Settings) -> dict[str, Any]:
    return {
        "doctor": await make_person(db, settings, "doctor", "Karim", "Haddad"),
        "alice": await make_person(db, settings, "patient", "Alice", "Martin"),
        "bob": await make_person(db, settings, "patient", "Bob", "Durand"),
        "admin": await make_person(db, settings, "admin", "Ada", "Admin"),
    }


async def audited(db: Any, request_id: str) -> list[dict[str, Any]]:
    found = db.outbox.find({"event.context.request_id": request_id}).sort("created_at", 1)
    return [entry async for entry in found]


async def test_every_read_of_an_appointment_is_audited(client: Any, db: Any, people: Any) -> None:
    doctor, alice, bob = people["doctor"], people["alice"], people["bob"]
    booked = await book_next_monday_at_nine(client, doctor, alice)
    assert booked.status_code == 201, booked.text
    appointment_id = booked.json()["id"]
    url = f"/api/v1/appointments/{appointment_id}"

    for reader in (people["admin"], doctor, alice):
        request_id = f"appointment-read-{reader.role}"
        headers = {**reader.headers, "X-Request-ID": request_id}
        assert (await client.get(url, headers=headers)).status_code == 200
        [entry] = await audited(db, request_id)
        event = entry["event"]
        assert entry["topic"] == "audit.access" and event["type"] == "record.accessed"
        assert event["actor"] == {"id": reader.id, "role": reader.role}
        assert event["patient_id"] == alice.id
        assert event["subject"] == {"type": "appointment", "id": appointment_id}
    # Someone else's appointment is not found, and nothing was read.
    refused = await client.get(url, headers={**bob.headers, "X-Request-ID": "not-bobs"})
    assert refused.status_code == 404
    assert await audited(db, "not-bobs") == []


async def test_a_list_audits_each_patient_on_the_page_once(
    client: Any, db: Any, people: Any
) -> None:
    doctor, alice, bob = people["doctor"], people["alice"], people["bob"]
    await book_next_monday_at_nine(client, doctor, alice)
    for patient, hhmm in ((alice, "09:30"), (bob, "10:00")):
        body = {"doctor_id": doctor.id, "start": f"{next_monday()}T{hhmm}:00Z", "reason": "x"}
        booked = await client.post("/api/v1/appointments", json=body, headers=patient.headers)
        assert booked.status_code == 201, booked.text

    headers = {**doctor.headers, "X-Request-ID": "agenda"}
    listed = await client.get("/api/v1/appointments", headers=headers)
    assert listed.json()["total"] == 3
    events = [entry["event"] for entry in await audited(db, "agenda")]
    assert sorted(e["patient_id"] for e in events) == sorted([alice.id, bob.id])
    assert all(e["data"]["view"] == "appointments" for e in events)
    assert all(e["subject"] == {"type": "patient", "id": e["patient_id"]} for e in events)
