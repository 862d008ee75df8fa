"""Dates and instants at the ends of the calendar are bad input (422 naming the field), not
a 500: adding a day to 9999-12-31, or converting 0001-01-01T00:00:00+01:00 to UTC,
overflows."""

from typing import Any

import pytest

from config.settings import Settings
from tests.appointments.conftest import WEEKDAYS_9_TO_12, next_monday
from tests.support.people import make_person

YEAR_ONE = "0001-01-01T00:00:00+01:00"


@pytest.fixture
async def people(db: Any, settings: Settings, client: Any) -> tuple[Any, Any]:
    doctor = await make_person(db, settings, "doctor", "Karim", "Haddad", specialty="cardiology")
    patient = await make_person(db, settings, "patient", "Alice", "Martin")
    saved = await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctor.headers
    )
    assert saved.status_code == 200, saved.text
    return doctor, patient


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


async def test_dates_in_queries(client: Any, people: Any) -> None:
    doctor, patient = people
    slots = f"/api/v1/doctors/{doctor.id}/slots"
    for params, field in (
        ({"from": "9999-12-31", "to": "9999-12-31"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-01"}, "from"),
        ({"from": "9999-12-31"}, "from"),  # its default `to` would be past the calendar
        ({"from": str(next_monday()), "to": "9999-12-31"}, "to"),
    ):
        assert_refused(await client.get(slots, params=params), field)
    listed = await client.get(
        "/api/v1/appointments", params={"to": "9999-12-31"}, headers=patient.headers
    )
    assert_refused(listed, "to")
    assert_refused(
        await client.get("/api/v1/doctors", params={"available_on": "9999-12-31"}), "available_on"
    )

    # Ordinary dates are still answered.
    monday = str(next_monday())
    assert (await client.get(slots, params={"from": monday, "to": monday})).status_code == 200
    assert (await client.get(slots)).status_code == 200
    assert (
        await client.get("/api/v1/appointments", params={"to": monday}, headers=patient.headers)
    ).status_code == 200
    assert (await client.get("/api/v1/doctors", params={"available_on": monday})).json()[
        "total"
    ] == 1


async def test_instants_in_bodies(client: Any, people: Any) -> None:
    doctor, patient = people
    booking = {"doctor_id": doctor.id, "start": "9999-12-31T08:00:00Z", "reason": "x"}
    booked = await client.post("/api/v1/appointments", json=booking, headers=patient.headers)
    assert_refused(booked, "start")
    off = {"start": YEAR_ONE, "end": "2030-01-01T00:00:00Z"}
    assert_refused(
        await client.post("/api/v1/doctors/me/time-off", json=off, headers=doctor.headers),
        "start",
    )
    window = {"doctor_id": doctor.id, "earliest": YEAR_ONE, "latest": "2026-12-20T00:00:00Z"}
    assert_refused(
        await client.post("/api/v1/waitlist", json=window, headers=patient.headers), "earliest"
    )
    # Nothing was stored.
    listed = (await client.get("/api/v1/doctors/me/time-off", headers=doctor.headers)).json()
    assert listed["items"] == [] and listed["total"] == 0
    assert (await client.get("/api/v1/waitlist", headers=patient.headers)).json()["total"] == 0


async def test_time_off_that_is_over_is_refused(client: Any, people: Any) -> None:
    """It would change nothing and never be listed (it was a 201)."""
    doctor, _ = people
    over = {"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}
    assert_refused(
        await client.post("/api/v1/doctors/me/time-off", json=over, headers=doctor.headers), "end"
    )
