"""Many patients, one slot, two real web processes: exactly one booking wins."""

import asyncio
from collections import Counter

import httpx
import pytest

from config.settings import Settings
from tests.appointments.conftest import WEEKDAYS_9_TO_12, next_monday
from tests.support.people import make_person

pytestmark = pytest.mark.e2e
RACERS = 50


async def test_fifty_concurrent_bookings_of_one_slot(platform, db, settings: Settings) -> None:
    # Two processes: the hold must not rely on anything held in one process.
    web, second = platform.start_several("web", 2)
    doctor = await make_person(db, settings, "doctor", "Sami", "Gharbi")
    patients = [await make_person(db, settings, "patient", f"P{i}", "Racer") for i in range(RACERS)]
    start = f"{next_monday()}T09:00:00Z"
    async with (
        httpx.AsyncClient(base_url=web.url, timeout=60) as http,
        httpx.AsyncClient(base_url=second.url, timeout=60) as other,
    ):
        put = await http.put(
            "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
        )
        assert put.status_code == 200
        go = asyncio.Event()

        async def attempt(patient, via: httpx.AsyncClient) -> int:  # type: ignore[no-untyped-def]
            await go.wait()
            response = await via.post(
                "/api/v1/appointments",
                json={"doctor_id": doctor.id, "start": start, "reason": "race"},
                headers=patient.headers,
            )
            return response.status_code

        tasks = [
            asyncio.create_task(attempt(p, http if i % 2 else other))
            for i, p in enumerate(patients)
        ]
        await asyncio.sleep(0.1)
        go.set()
        statuses = Counter(await asyncio.gather(*tasks))

        assert statuses == {201: 1, 409: RACERS - 1}, (statuses, web.log()[-3000:])
        listing = await http.get("/api/v1/appointments", headers=doctor.headers)
        assert listing.json()["total"] == 1
    assert await db.slot_holds.count_documents({}) == 1
    assert await db.outbox.count_documents({"event.type": "appointment.requested"}) == 1
