"""POST /auth/register: accounts, validation and the password rules."""

from __future__ import annotations

import pytest

from tests.auth.support import (
    PASSWORD,
    doctor_form,
    new_email,
    patient_form,
    register_verified,
    sign_in,
)

REGISTER = "/api/v1/auth/register"


async def test_a_patient_registers_unverified(client) -> None:
    email = new_email("Mixed.Case")
    response = await client.post(
        REGISTER, json=patient_form(email.upper(), phone="+216 71 000 000")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    for user in (body, body["user"]):
        assert user["email"] == email.lower()
        assert user["role"] == "patient"
        assert user["email_verified"] is False
        assert user["first_name"] == "Amira" and user["last_name"] == "Ben Salah"
        assert user["created_at"].endswith("Z")
        assert len(user["id"]) == 24
    assert "password" not in response.text and "hash" not in response.text


async def test_the_same_email_twice_is_409_whatever_the_case(client) -> None:
    email = new_email()
    assert (await client.post(REGISTER, json=patient_form(email))).status_code == 201
    again = await client.post(REGISTER, json=patient_form(email))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    shouted = await client.post(REGISTER, json=doctor_form(email.upper()))
    assert shouted.status_code == 409


async def test_a_doctor_registers_with_specialty_and_license(client) -> None:
    response = await client.post(REGISTER, json=doctor_form())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["role"] == "doctor"
    assert body["specialty"] == "cardiology" and body["license_number"] == "TN-12345"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"specialty": None}, "specialty"),
        ({"specialty": "astrology"}, "specialty"),
        ({"license_number": None}, "license_number"),
        ({"license_number": "   "}, "license_number"),
    ],
)
async def test_a_doctor_needs_a_known_specialty_and_a_license(client, changes, field) -> None:
    response = await client.post(REGISTER, json=doctor_form(**changes))
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}


async def test_blank_names_are_422(client) -> None:
    response = await client.post(REGISTER, json=patient_form(last_name="   "))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "last_name", "message": "must not be blank"}]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (patient_form(first_name="a\u0000b"), "first_name"),
        (patient_form(last_name="Who\r\nBcc: x@example.org"), "last_name"),
        (patient_form(phone="\u0007"), "phone"),
        (patient_form(phone="not a phone at all"), "phone"),
        (doctor_form(license_number="LIC\u001b[31m"), "license_number"),
    ],
)
async def test_control_characters_and_phones_that_are_not_are_422(client, form, field) -> None:
    """The rules a profile's fields follow hold from sign-up: a NUL in a name would otherwise
    reach the verification email and every screen showing the name."""
    response = await client.post(REGISTER, json=form)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    login = {"email": form["email"], "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 401  # no account


async def test_a_phone_given_at_sign_up_is_kept_as_typed_or_left_out(client) -> None:
    given = await client.post(REGISTER, json=patient_form(phone=" +216 71 000 001 "))
    assert given.status_code == 201, given.text
    assert given.json()["user"]["phone"] == "+216 71 000 001"
    blank = await client.post(REGISTER, json=patient_form(phone=""))
    assert blank.status_code == 201, blank.text
    assert blank.json()["user"]["phone"] is None


async def test_nobody_registers_as_admin(client) -> None:
    response = await client.post(REGISTER, json=patient_form(role="admin"))
    assert response.status_code == 422
    assert "role" in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short1!", "at least 8 characters"),
        ("a" * 73, "at most 72 bytes"),
        ("é" * 37, "at most 72 bytes"),  # 37 characters, 74 bytes
        ("🔒" * 19, "at most 72 bytes"),  # 19 characters, 76 bytes
        ("Password123", "too common"),
        ("x" * 5000, "1024"),
    ],
)
async def test_unacceptable_passwords_are_422_with_a_clear_message(client, password, says) -> None:
    response = await client.post(REGISTER, json=patient_form(password=password))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["password"]
    assert says in errors[0]["message"]


async def test_multibyte_passwords_up_to_72_bytes_work(client, settings) -> None:
    for password in ("é" * 36, "🔒" * 18, "mot de passe très sûr ☀"):
        form = patient_form(password=password)
        await register_verified(client, settings, form)
        assert (await sign_in(client, form["email"], password)).access_token
        wrong = password[:-1] + "x"
        response = await client.post(
            "/api/v1/auth/login", json={"email": form["email"], "password": wrong}
        )
        assert response.status_code == 401


async def test_missing_and_malformed_fields_are_422(client) -> None:
    response = await client.post(REGISTER, json={"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"email", "role", "first_name", "last_name"} <= fields
