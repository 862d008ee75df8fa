"""Doctor search as people type in a French and Tunisian directory: without accents, in any
case, in either Unicode form, with or without the apostrophes and hyphens of a name.

Doctors register and fill in their clinic through the API, as a client would.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from litestar.testing import AsyncTestClient

from config.settings import Settings
from domain.accounts.access_tokens import issue_access_token
from domain.accounts.roles import Role
from tests.auth.support import doctor_form, register_verified
from tests.discovery.conftest import TUNIS

DOCTORS = "/api/v1/doctors"
# (first name, last name, clinic city, lat, lng)
PEOPLE = {
    "helene": ("Hélène", "Lefèvre", "Gabès", 33.8815, 10.0982),
    "zoe": ("Zoé", "D'Églantine", "Sidi Bou Saïd", 36.8687, 10.3416),
    "amel": ("Amel", "Ben-Salah", "Tunis", 36.8065, 10.1815),
    "coeur": ("Laetitia", "Cœurdacier", "Sfax", 34.7406, 10.7603),
    "weiss": ("Jürgen", "Weiß", "Sousse", 35.8256, 10.6084),
}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def headers(settings: Settings, user_id: str) -> dict[str, str]:
    token, _ = issue_access_token(
        settings.auth, user_id=user_id, role=Role.DOCTOR, token_version=0, session_id=None
    )
    return {"Authorization": f"Bearer {token}"}


async def register_doctor(
    client: Any, settings: Settings, first: str, last: str, city: str, lat: float, lng: float
) -> str:
    form = doctor_form(first_name=first, last_name=last)
    doctor_id = await register_verified(client, settings, form)
    clinic = {"name": f"Cabinet {last}", "city": city, "location": {"lat": lat, "lng": lng}}
    response = await client.patch(
        "/api/v1/users/me/profile", json={"clinic": clinic}, headers=headers(settings, doctor_id)
    )
    assert response.status_code == 200, response.text
    return doctor_id


@pytest.fixture
async def people(client, settings: Settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {key: await register_doctor(client, settings, *person) for key, person in PEOPLE.items()}


async def found(client: Any, **params: Any) -> list[str]:
    response = await client.get(DOCTORS, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_names_match_whatever_the_accents_case_and_unicode_form(client, people) -> None:
    helene = [people["helene"]]
    for q in (
        "helene",
        "Hélène",
        "HÉLÈNE",
        "HELENE",
        "Lefevre",
        "lefèvre",
        "helene lefevre",
        "Lefèvre Hélène",
        "hel lef",
        nfd("Hélène"),  # e + U+0301 against a name stored composed
        nfd("LEFÈVRE"),
    ):
        assert await found(client, q=q) == helene, q
    # Still a substring of the first or the last name for every word, nothing looser.
    for q in ("helena", "helene zoe", "lefevres", "helenelefevre"):
        assert await found(client, q=q) == [], q


async def test_apostrophes_hyphens_and_joined_letters_are_typed_either_way(client, people) -> None:
    for q in ("eglantine", "d'eglantine", "D\u2019Églantine", "deglantine", "d eglantine", "zoe d"):
        assert await found(client, q=q) == [people["zoe"]], q
    for q in ("ben salah", "Ben-Salah", "bensalah", "BEN SALAH", "amel ben-salah"):
        assert await found(client, q=q) == [people["amel"]], q
    for q in ("coeur", "Cœur", "CŒURDACIER", "laetitia coeurdacier"):
        assert await found(client, q=q) == [people["coeur"]], q
    for q in ("weiss", "Weiß", "jurgen", "JÜRGEN WEISS"):
        assert await found(client, q=q) == [people["weiss"]], q
    # Text with no letter or digit is no name at all, and no pattern either.
    for q in ("'", "(.*)", "-"):
        assert await found(client, q=q) == [], q


async def test_cities_match_whatever_the_accents_case_and_unicode_form(client, people) -> None:
    for city in ("gabes", "Gabès", "GABES", " gabès ", nfd("Gabès")):
        assert await found(client, city=city) == [people["helene"]], city
    for city in ("sidi bou said", "Sidi-Bou-Saïd", nfd("SIDI BOU SAÏD")):
        assert await found(client, city=city) == [people["zoe"]], city
    # The whole city, not a part of it.
    for city in ("gabe", "sidi", "gabes tunis"):
        assert await found(client, city=city) == [], city


async def test_folded_matching_keeps_paging_sorting_and_the_other_filters(client, people) -> None:
    # "e" is in every name: the whole list by last name as stored, paged, with its total.
    whole = await found(client, q="E", page_size=100)
    assert whole == [people[k] for k in ("amel", "coeur", "zoe", "helene", "weiss")]
    pages = [(await client.get(DOCTORS, params={"q": "é", "page": p, "page_size": 2})).json()
             for p in (1, 2, 3)]  # fmt: skip
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [i["id"] for p in pages for i in p["items"]] == whole

    near = await client.get(DOCTORS, params={"q": "e", "lat": TUNIS[0], "lng": TUNIS[1]})
    items = near.json()["items"]
    nearest_first = ("amel", "zoe", "weiss", "coeur", "helene")  # Tunis, Sidi Bou Saïd, ...
    assert [i["id"] for i in items] == [people[k] for k in nearest_first]
    assert all(i["distance_km"] is not None for i in items)
    inside = await found(
        client, q="eglantine", city="sidi bou said", lat=TUNIS[0], lng=TUNIS[1], radius_km=30
    )
    assert inside == [people["zoe"]]
    assert await found(client, q="helene", specialty="dermatology") == []
    assert await found(client, q="helene", specialty="cardiology") == [people["helene"]]

    sorted_by_slot = await client.get(DOCTORS, params={"q": "helene", "sort": "next_available"})
    assert [(i["id"], i["next_available_slot"]) for i in sorted_by_slot.json()["items"]] == [
        (people["helene"], None)  # no hours published
    ]


async def test_names_are_stored_composed_whatever_form_a_client_sends(
    client, settings: Settings
) -> None:
    first, last = nfd("Amélie"), nfd("Dupré-Lœuvre")
    doctor_id = await register_doctor(client, settings, first, last, nfd("Béja"), 36.72, 9.18)
    public = (await client.get(f"{DOCTORS}/{doctor_id}")).json()
    assert (public["first_name"], public["last_name"]) == ("Amélie", "Dupré-Lœuvre")
    assert public["clinic"]["city"] == "Béja"
    for q in ("Amélie", nfd("Amélie"), "amelie dupre", "loeuvre"):
        assert await found(client, q=q) == [doctor_id], q
    assert await found(client, city="Béja") == [doctor_id]


async def test_doctors_stored_before_folded_keys_are_found_once_the_web_process_starts(
    app, db
) -> None:
    """A database written by the previous release: no folded name keys on the account, and a
    city key that was only lower-cased ("gabès"). The web process fills them in at start."""
    user_id = ObjectId()
    await db.users.insert_one(
        {
            "_id": user_id,
            "email": f"{user_id}@example.test",
            "role": "doctor",
            "first_name": "Hélène",
            "last_name": "Lefèvre",
            "password_hash": "unused",
            "email_verified": True,
            "active": True,
            "created_at": datetime.now(UTC),
            "token_version": 0,
            "specialty": "cardiology",
        }
    )
    await db.doctor_profiles.insert_one(
        {
            "_id": str(user_id),
            "clinic": {"name": "Cabinet", "address": None, "city": "Gabès", "location": None},
            "lat": None,
            "lng": None,
            "city_key": "gabès",
        }
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        for params in ({"q": "helene"}, {"q": "Lefevre"}, {"city": "gabes"}, {"q": "Hélène"}):
            assert await found(client, **params) == [str(user_id)], params
        assert await found(client, q="helena") == []
