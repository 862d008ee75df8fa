"""Doctor search sorted by next availability: `GET /doctors?sort=next_available`.

Doctors open one weekday only, the one two days from now (09:00-12:00 UTC, 30-minute
slots), so the first free slot never depends on the time of day the test runs at and lies
beyond the first day the search looks at.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from config.settings import Settings
from tests.discovery.conftest import CLINICS, TUNIS
from tests.support.people import Person, make_person

DOCTORS = "/api/v1/doctors"
HORIZON_DAYS = 60  # NEXT_AVAILABLE_DAYS, default


def opening_day(weeks: int = 0) -> date:
    return datetime.now(UTC).date() + timedelta(days=2 + 7 * weeks)


def slot(index: int, day: date | None = None) -> dict[str, str]:
    """The opening day's slot number `index` (0 is 09:00 UTC), as the API shows it."""
    start = datetime.combine(day or opening_day(), datetime.min.time(), tzinfo=UTC)
    start += timedelta(hours=9, minutes=30 * index)
    z = "%Y-%m-%dT%H:%M:%SZ"
    return {"start": start.strftime(z), "end": (start + timedelta(minutes=30)).strftime(z)}


OPENING = {
    "timezone": "UTC",
    "slot_minutes": 30,
    "weekly": [{"weekday": opening_day().weekday(), "start": "09:00", "end": "12:00"}],
}


async def open_weekly(client: Any, doctor: Person) -> None:
    response = await client.put(
        "/api/v1/doctors/me/availability", json=OPENING, headers=doctor.headers
    )
    assert response.status_code == 200, response.text


async def book(client: Any, patient: Person, doctor: Person, index: int) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/appointments",
        json={"doctor_id": doctor.id, "start": slot(index)["start"], "reason": "check-up"},
        headers=patient.headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def take_time_off(client: Any, doctor: Person, start: str, end: str) -> None:
    response = await client.post(
        "/api/v1/doctors/me/time-off", json={"start": start, "end": end}, headers=doctor.headers
    )
    assert response.status_code == 201, response.text


async def search(client: Any, **params: Any) -> dict[str, Any]:
    response = await client.get(DOCTORS, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def midnight(day: date) -> str:
    return f"{day}T00:00:00Z"


@pytest.fixture
async def patient(db, settings: Settings) -> Person:  # type: ignore[no-untyped-def]
    return await make_person(db, settings, "patient", "Nour")


@pytest.fixture
async def calendars(client, db, settings: Settings, patient: Person) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    """Doctors named so that the default order (by last name) is not the expected one."""
    made = {}
    for last_name in ("Adams", "Baker", "Clark", "Dupont", "Evans", "Foster"):
        made[last_name] = await make_person(db, settings, "doctor", "Dr", last_name)
    # Adams states no availability at all.
    for name in ("Baker", "Clark", "Dupont", "Evans", "Foster"):
        await open_weekly(client, made[name])
    # Baker is off for the first four slots, Clark's first two are booked, Dupont is free.
    await take_time_off(client, made["Baker"], slot(0)["start"], slot(3)["end"])
    await book(client, patient, made["Clark"], 0)
    await book(client, patient, made["Clark"], 1)
    # Evans is off for the whole horizon, Foster until 50 days from now.
    today = datetime.now(UTC).date()
    await take_time_off(
        client, made["Evans"], midnight(today), midnight(today + timedelta(HORIZON_DAYS + 3))
    )
    await take_time_off(client, made["Foster"], midnight(today), midnight(today + timedelta(50)))
    return made


def foster_first_day() -> date:
    weeks = 0
    while opening_day(weeks) < datetime.now(UTC).date() + timedelta(50):
        weeks += 1
    return opening_day(weeks)


async def test_soonest_first_with_the_first_free_slot_and_none_last(client, calendars) -> None:
    body = await search(client, sort="next_available")
    assert [(d["last_name"], d["next_available_slot"]) for d in body["items"]] == [
        ("Dupont", slot(0)),
        ("Clark", slot(2)),
        ("Baker", slot(4)),
        ("Foster", slot(0, foster_first_day())),
        ("Adams", None),
        ("Evans", None),
    ]
    assert body["total"] == 6
    # Each is the first slot that the doctor's own slot listing offers.
    for item in body["items"]:
        if item["next_available_slot"] is not None and item["last_name"] != "Foster":
            slots = await client.get(f"{DOCTORS}/{item['id']}/slots")
            assert slots.json()[0] == item["next_available_slot"]
    # Without the sort: by name, and no availability looked up.
    plain = await search(client)
    assert [d["last_name"] for d in plain["items"]] == sorted(calendars)
    assert all("next_available_slot" not in d for d in plain["items"])


async def test_booking_the_first_slot_moves_it_to_the_next_and_cancelling_gives_it_back(
    client, calendars, patient
) -> None:
    booked = await book(client, patient, calendars["Dupont"], 0)

    async def dupont() -> Any:
        items = (await search(client, sort="next_available"))["items"]
        return next(d["next_available_slot"] for d in items if d["last_name"] == "Dupont")

    assert await dupont() == slot(1)
    await book(client, patient, calendars["Dupont"], 1)
    await book(client, patient, calendars["Dupont"], 2)
    # Now later than Clark (slot 2 is taken too): Clark first, Dupont second.
    items = (await search(client, sort="next_available"))["items"]
    assert [d["last_name"] for d in items[:3]] == ["Clark", "Dupont", "Baker"]
    assert items[1]["next_available_slot"] == slot(3)

    cancelled = await client.post(
        f"/api/v1/appointments/{booked['id']}/cancel", json={}, headers=patient.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await dupont() == slot(0)


@pytest.fixture
async def clinics(client, doctors, patient) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    """Every clinic opens but Sousse; Ariana's and Sfax's first slots are booked."""
    for city, doctor in doctors.items():
        if city != "Sousse":
            await open_weekly(client, doctor)
    await book(client, patient, doctors["Ariana"], 0)
    await book(client, patient, doctors["Sfax"], 0)
    return dict(doctors)


def cities_and_slots(body: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(d["clinic"]["city"], d["next_available_slot"]) for d in body["items"]]


async def test_equal_starts_are_nearest_first_with_a_position_else_by_name(client, clinics) -> None:
    near = await search(client, sort="next_available", lat=TUNIS[0], lng=TUNIS[1])
    assert cities_and_slots(near) == [
        ("La Marsa", slot(0)),  # 15 km, before Bizerte although its name comes later
        ("Bizerte", slot(0)),
        ("Ariana", slot(1)),  # the nearest clinic, but its first slot is booked
        ("Sfax", slot(1)),
        ("Sousse", None),
    ]
    for item in near["items"]:
        assert item["distance_km"] == pytest.approx(CLINICS[item["clinic"]["city"]][1], abs=0.01)

    by_name = await search(client, sort="next_available")
    assert [city for city, _ in cities_and_slots(by_name)] == [
        "Bizerte",
        "La Marsa",
        "Ariana",
        "Sfax",
        "Sousse",
    ]
    assert all("distance_km" not in d for d in by_name["items"])


async def test_combines_with_specialty_radius_city_name_and_date(client, clinics) -> None:
    here = {"sort": "next_available", "lat": TUNIS[0], "lng": TUNIS[1]}
    cardiology = await search(client, **here, specialty="cardiology")
    assert cities_and_slots(cardiology) == [
        ("La Marsa", slot(0)),
        ("Bizerte", slot(0)),
        ("Sfax", slot(1)),
    ]
    within = await search(client, **here, radius_km=100)
    assert [city for city, _ in cities_and_slots(within)] == ["La Marsa", "Bizerte", "Ariana"]
    assert within["total"] == 3
    sfax = await search(client, sort="next_available", city="sfax")
    assert cities_and_slots(sfax) == [("Sfax", slot(1))]
    named = await search(client, sort="next_available", q="a")
    assert cities_and_slots(named) == [
        ("La Marsa", slot(0)),
        ("Ariana", slot(1)),
        ("Sfax", slot(1)),
    ]
    # available_on keeps the doctors with a free slot that day; the order stays the sort's.
    on_day = await search(client, **here, available_on=str(opening_day()))
    assert [city for city, _ in cities_and_slots(on_day)] == [
        "La Marsa",
        "Bizerte",
        "Ariana",
        "Sfax",
    ]


@pytest.mark.parametrize(
    ("position", "first_page"),
    [({}, ["Bizerte", "La Marsa"]), ({"lat": TUNIS[0], "lng": TUNIS[1]}, ["La Marsa", "Bizerte"])],
)
async def test_pages_follow_the_order_over_every_matching_doctor(
    client, clinics, position, first_page
) -> None:
    # By name, Ariana would open the first page: the order must be over all five doctors.
    here = {"sort": "next_available", **position}
    whole = await search(client, **here, page_size=100)
    pages = [await search(client, **here, page=page, page_size=2) for page in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert [d["id"] for p in pages for d in p["items"]] == [d["id"] for d in whole["items"]]
    assert [d["clinic"]["city"] for d in pages[0]["items"]] == first_page


async def test_a_slot_already_started_is_never_the_next_one(client, db, settings) -> None:
    doctor = await make_person(db, settings, "doctor", "Dr", "Always")
    every_day = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]
    response = await client.put(
        "/api/v1/doctors/me/availability",
        json={"timezone": "UTC", "slot_minutes": 30, "weekly": every_day},
        headers=doctor.headers,
    )
    assert response.status_code == 200, response.text
    before = datetime.now(UTC)
    found = (await search(client, sort="next_available"))["items"][0]["next_available_slot"]
    start = datetime.fromisoformat(found["start"].replace("Z", "+00:00"))
    # The next half-hour boundary, or midnight after the 23:30-23:59 gap.
    assert before < start <= before + timedelta(hours=1)
    assert start.minute in (0, 30) and start.second == 0


@pytest.mark.parametrize("value", ["rating", "NEXT_AVAILABLE", "next_available,name", ""])
async def test_an_unknown_sort_is_refused_naming_the_parameter(client, value) -> None:
    response = await client.get(DOCTORS, params={"sort": value})
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["sort"]
