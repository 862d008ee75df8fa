from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from config.settings import Settings
from tests.support.people import Person, make_person


@pytest.fixture
async def people(db, settings: Settings):  # type: ignore[no-untyped-def]
    """Two doctors, two patients (the first in the first doctor's care) and an admin."""

    async def person(role: str, first: str) -> Person:
        return await make_person(db, settings, role, first_name=first)

    cast = {
        "doctor": await person("doctor", "Sami"),
        "colleague": await person("doctor", "Leila"),
        "patient": await person("patient", "Nour"),
        "stranger": await person("patient", "Yassine"),
        "admin": await person("admin", "Ines"),
    }
    await give_care(db, cast["doctor"].id, cast["patient"].id)
    return cast


async def give_care(db, doctor_id: str, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    """A confirmed appointment: the care relationship of domain.care."""
    start = datetime.now(UTC) + timedelta(days=3)
    await db.appointments.insert_one(
        {
            "_id": ObjectId(),
            "doctor_id": doctor_id,
            "patient_id": patient_id,
            "status": "confirmed",
            "start": start,
            "end": start + timedelta(minutes=30),
            "timezone": "UTC",
            "reason": "follow-up",
            "mode": "in_person",
            "created_at": datetime.now(UTC),
            "confirmed_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
    )
