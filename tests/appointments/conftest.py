from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from infra.mongo import create_mongo_client

WEEKDAYS_9_TO_12 = {
    "timezone": "Africa/Tunis",
    "slot_minutes": 30,
    "weekly": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)],
}


@pytest.fixture
async def db(settings: Settings):  # type: ignore[no-untyped-def]
    client = create_mongo_client(settings.mongo)
    yield client[settings.mongo.db]
    client.close()


def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday())


async def book_next_monday_at_nine(client: Any, doctor: Any, patient: Any) -> Any:
    """The doctor opens weekday mornings and the patient books next Monday's first slot;
    returns the booking's response."""
    await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
    )
    return await client.post(
        "/api/v1/appointments",
        json={"doctor_id": doctor.id, "start": f"{next_monday()}T09:00:00Z", "reason": "x"},
        headers=patient.headers,
    )


async def move_back(db: Any, appointment_id: str, by: timedelta) -> None:
    """Let time pass for one appointment: its stored start and end move `by` earlier.
    The whole document is replaced, as a `$set` would store the datetimes as text on the
    embedded store."""
    doc = await db.appointments.find_one({"_id": ObjectId(appointment_id)})
    doc["start"], doc["end"] = doc["start"] - by, doc["end"] - by
    await db.appointments.replace_one({"_id": doc["_id"]}, doc)
