"""An instant a client sends must say which one it is: a date-time without a UTC offset is
refused (422 naming the field), never read as UTC. Dates alone and offsets other than Z
keep working where they did."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from config.settings import Settings
from domain.shared.errors import InvalidInput
from domain.shared.parsing import parse_instant, parse_instant_or_date
from tests.appointments.conftest import WEEKDAYS_9_TO_12, next_monday
from tests.messaging.conftest import give_care
from tests.support.people import Person, make_person

OFFSET_REQUIRED = "must include a UTC offset, e.g. Z"


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": field, "message": OFFSET_REQUIRED}]


@pytest.fixture
async def cast(client, db, settings: Settings) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    people = {
        "doctor": await make_person(db, settings, "doctor"),
        "gp": await make_person(db, settings, "doctor"),
        "patient": await make_person(db, settings, "patient"),
    }
    opened = await client.put(
        "/api/v1/doctors/me/availability",
        json={**WEEKDAYS_9_TO_12, "timezone": "UTC"},
        headers=people["doctor"].headers,
    )
    assert opened.status_code == 200, opened.text
    await give_care(db, people["gp"].id, people["patient"].id)
    return people


def _monday_at(hhmm: str) -> str:
    return f"{next_monday()}T{hhmm}:00"


async def test_booking_refuses_a_start_without_offset(client, cast) -> None:
    def body(start: str) -> dict[str, str]:
        return {"doctor_id": cast["doctor"].id, "start": start, "reason": "check-up"}

    url, headers = "/api/v1/appointments", cast["patient"].headers
    naive = await client.post(url, json=body(_monday_at("10:00")), headers=headers)
    _refused(naive, "start")
    # The same wall-clock time with its offset names 09:00 UTC, a slot of this doctor's.
    booked = await client.post(url, json=body(_monday_at("10:00") + "+01:00"), headers=headers)
    assert booked.status_code == 201, booked.text
    assert booked.json()["start"] == _monday_at("09:00") + "Z"


async def test_referral_booking_refuses_a_start_without_offset(client, cast) -> None:
    referred = await client.post(
        "/api/v1/referrals",
        json={"patient_id": cast["patient"].id, "to_doctor_id": cast["doctor"].id, "reason": "x"},
        headers=cast["gp"].headers,
    )
    assert referred.status_code == 201, referred.text
    referral = referred.json()["id"]
    accepted = await client.post(
        f"/api/v1/referrals/{referral}/accept", headers=cast["doctor"].headers
    )
    assert accepted.status_code == 200, accepted.text
    naive = await client.post(
        f"/api/v1/referrals/{referral}/appointments",
        json={"start": _monday_at("10:00")},
        headers=cast["gp"].headers,
    )
    _refused(naive, "start")


async def test_time_off_refuses_an_end_without_offset(client, cast) -> None:
    response = await client.post(
        "/api/v1/doctors/me/time-off",
        json={"start": _monday_at("09:00") + "Z", "end": _monday_at("12:00")},
        headers=cast["doctor"].headers,
    )
    _refused(response, "end")


async def test_the_waiting_list_refuses_a_window_without_offset(client, cast) -> None:
    response = await client.post(
        "/api/v1/waitlist",
        json={
            "doctor_id": cast["doctor"].id,
            "earliest": _monday_at("09:00"),
            "latest": str(next_monday() + timedelta(days=2)) + "T12:00:00Z",
        },
        headers=cast["patient"].headers,
    )
    _refused(response, "earliest")


@pytest.mark.parametrize("value", ["2027-01-04T09:00:00", "2027-01-04", datetime(2027, 1, 4, 9)])
def test_parse_instant_wants_an_offset(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_instant(value, "start")
    assert (refused.value.field, refused.value.detail) == ("start", OFFSET_REQUIRED)


def test_parse_instant_takes_any_offset() -> None:
    assert parse_instant("2027-01-04T09:00:00+01:00", "start") == datetime(
        2027, 1, 4, 8, tzinfo=UTC
    )
    assert parse_instant("2027-01-04T09:00:00Z", "start") == datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_a_date_alone_is_its_midnight_utc_where_dates_are_taken() -> None:
    assert parse_instant_or_date("2027-01-04", "from") == datetime(2027, 1, 4, tzinfo=UTC)
    assert parse_instant_or_date(str(date(2027, 1, 4)), "to").tzinfo is UTC
    with pytest.raises(InvalidInput):
        parse_instant_or_date("2027-01-04T00:00:00", "from")
