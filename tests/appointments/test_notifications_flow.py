"""Booking and confirming reach the other party as in-app notifications, through the real
outbox relay, Kafka and the notifications processor."""

import pytest

from config.settings import Settings
from tests.appointments.conftest import book_next_monday_at_nine
from tests.events.support import eventually
from tests.support.people import make_person

pytestmark = pytest.mark.e2e


async def test_each_party_hears_of_the_other_ones_move(
    platform, client, db, settings: Settings
) -> None:
    doctor = await make_person(db, settings, "doctor", "Rym", "Ayari")
    patient = await make_person(db, settings, "patient", "Ali", "Ben Ali")
    platform.start("streams")
    booked = await book_next_monday_at_nine(client, doctor, patient)
    assert booked.status_code == 201
    appointment_id = booked.json()["id"]

    async def notified(user_id: str, event_type: str):  # type: ignore[no-untyped-def]
        return await db.notifications.find_one({"user_id": user_id, "event_type": event_type})

    request = await eventually(lambda: notified(doctor.id, "appointment.requested"), 90)
    assert appointment_id in request["link"]
    confirmed = await client.post(
        f"/api/v1/appointments/{appointment_id}/confirm", headers=doctor.headers
    )
    assert confirmed.status_code == 200
    await eventually(lambda: notified(patient.id, "appointment.confirmed"), 60)
