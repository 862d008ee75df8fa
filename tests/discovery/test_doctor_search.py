"""Doctor search on the embedded store (no geo operators): distances, radius, filters."""

from datetime import timedelta

import pytest

from domain.discovery.geo import bounding_box, haversine_km
from tests.appointments.conftest import WEEKDAYS_9_TO_12, next_monday
from tests.discovery.conftest import CLINICS, TUNIS


def test_haversine_matches_hand_computed_values() -> None:
    for (lat, lng), expected, _ in CLINICS.values():
        assert haversine_km(*TUNIS, lat, lng) == pytest.approx(expected, abs=0.01)
    assert haversine_km(0, 179.95, 0, -179.95) == pytest.approx(11.12, abs=0.01)


def test_bounding_box_wraps_across_the_antimeridian() -> None:
    box = bounding_box(0, 179.95, 20)
    assert "$or" in box and "lng" not in box
    assert "lng" not in bounding_box(89.99, 0, 50) and "$or" not in bounding_box(89.99, 0, 50)


async def test_nearest_first_with_distances(client, doctors) -> None:
    params = {"lat": TUNIS[0], "lng": TUNIS[1]}
    body = (await client.get("/api/v1/doctors", params=params)).json()
    assert [d["clinic"]["city"] for d in body["items"]] == list(CLINICS)
    for item in body["items"]:
        expected = CLINICS[item["clinic"]["city"]][1]
        assert item["distance_km"] == pytest.approx(expected, abs=0.01)
    assert body["total"] == 5


async def test_radius_keeps_only_doctors_inside_it(client, doctors) -> None:
    params = {"lat": TUNIS[0], "lng": TUNIS[1], "radius_km": 60}
    body = (await client.get("/api/v1/doctors", params=params)).json()
    assert [d["clinic"]["city"] for d in body["items"]] == ["Ariana", "La Marsa", "Bizerte"]
    # 58.756 km is inside 60 and outside 58.7
    tighter = {**params, "radius_km": 58.7}
    body = (await client.get("/api/v1/doctors", params=tighter)).json()
    assert [d["clinic"]["city"] for d in body["items"]] == ["Ariana", "La Marsa"]
    paged = (
        await client.get("/api/v1/doctors", params={**params, "page_size": 2, "page": 2})
    ).json()
    assert paged["total"] == 3 and [d["clinic"]["city"] for d in paged["items"]] == ["Bizerte"]


async def test_specialty_name_city_and_combined_filters(client, doctors) -> None:
    async def cities(**params) -> list[str]:  # type: ignore[no-untyped-def]
        response = await client.get("/api/v1/doctors", params=params)
        assert response.status_code == 200, response.text
        return sorted(d["clinic"]["city"] for d in response.json()["items"])

    assert await cities(specialty="cardiology") == ["Bizerte", "La Marsa", "Sfax"]
    assert await cities(q="MARSA") == ["La Marsa"]
    assert await cities(q="of sous") == ["Sousse"]
    assert await cities(q="(.*)") == []  # a pattern is text to find, not a regex
    assert await cities(city="sfax") == ["Sfax"]
    assert await cities(specialty="cardiology", lat=TUNIS[0], lng=TUNIS[1], radius_km=100) == [
        "Bizerte",
        "La Marsa",
    ]
    assert (
        await client.get("/api/v1/doctors", params={"specialty": "astrology"})
    ).status_code == 422
    assert (await client.get("/api/v1/doctors", params={"lat": 95, "lng": 10})).status_code == 422
    assert (await client.get("/api/v1/doctors", params={"lat": 36})).status_code == 422


async def test_available_on_keeps_doctors_with_a_free_slot(client, doctors) -> None:
    monday = next_monday()
    await client.put(
        "/api/v1/doctors/me/availability", json=WEEKDAYS_9_TO_12, headers=doctors["Sfax"].headers
    )
    body = (await client.get("/api/v1/doctors", params={"available_on": str(monday)})).json()
    assert [d["clinic"]["city"] for d in body["items"]] == ["Sfax"]
    saturday = monday + timedelta(days=5)  # the rules cover Monday to Friday
    weekend = (await client.get("/api/v1/doctors", params={"available_on": str(saturday)})).json()
    assert weekend["items"] == []


async def test_specialties_and_public_profile(client, doctors) -> None:
    specialties = (await client.get("/api/v1/specialties")).json()
    assert {"code": "cardiology", "name": "Cardiology"} in specialties
    doctor = doctors["Sousse"]
    public = (await client.get(f"/api/v1/doctors/{doctor.id}")).json()
    assert public["specialty"] == "dermatology" and public["clinic"]["city"] == "Sousse"
    assert not {"email", "phone", "license_number", "password_hash"} & set(public)
    assert (await client.get("/api/v1/doctors/ffffffffffffffffffffffff")).status_code == 404
