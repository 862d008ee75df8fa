"""Five doctors with clinics at known distances from Tunis, made through the API."""

import pytest

from config.settings import Settings
from tests.support.people import Person, make_person

TUNIS = (36.8065, 10.1815)
# Great-circle distances from TUNIS, worked out by hand with the spherical law of cosines
# (R = 6371.0088 km), independently of the code under test.
CLINICS = {
    "Ariana": ((36.8625, 10.1956), 6.352, "general_practice"),
    "La Marsa": ((36.8782, 10.3247), 15.032, "cardiology"),
    "Bizerte": ((37.2744, 9.8739), 58.756, "cardiology"),
    "Sousse": ((35.8256, 10.6084), 115.583, "dermatology"),
    "Sfax": ((34.7406, 10.7603), 235.576, "cardiology"),
}


@pytest.fixture
async def doctors(client, db, settings: Settings) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    made = {}
    for city, ((lat, lng), _, specialty) in CLINICS.items():
        person = await make_person(db, settings, "doctor", "Dr", f"Of {city}", specialty=specialty)
        clinic = {"name": f"{city} clinic", "city": city, "location": {"lat": lat, "lng": lng}}
        response = await client.patch(
            "/api/v1/users/me/profile", json={"clinic": clinic, "bio": "x"}, headers=person.headers
        )
        assert response.status_code == 200, response.text
        made[city] = person
    return made
