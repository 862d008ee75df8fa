"""Accounts for the auth tests, created through the API as a client would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from config.settings import Settings
from domain.accounts import AccountsEnv
from domain.accounts.mails import verification_email
from infra.resources import Resources

PASSWORD = "correct horse battery"


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def patient_form(email: str | None = None, **changes: Any) -> dict[str, Any]:
    form = {
        "email": email or new_email("patient"),
        "password": PASSWORD,
        "role": "patient",
        "first_name": "Amira",
        "last_name": "Ben Salah",
    }
    return {**form, **changes}


def doctor_form(email: str | None = None, **changes: Any) -> dict[str, Any]:
    form = patient_form(email or new_email("doctor"), role="doctor", first_name="Karim")
    form |= {"specialty": "cardiology", "license_number": "TN-12345"}
    return {**form, **changes}


async def verification_token(settings: Settings, user_id: str) -> str:
    """The token the verification email for `user_id` would carry (what the job computes)."""
    resources = Resources.open(settings)
    try:
        mail = await verification_email(
            AccountsEnv.from_resources(resources), job_id=uuid.uuid4().hex, user_id=user_id
        )
    finally:
        await resources.close()
    assert mail is not None
    return mail.text.split("token=")[1].split()[0]


@dataclass
class SignedIn:
    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register_verified(client: Any, settings: Settings, form: dict[str, Any]) -> str:
    created = await client.post("/api/v1/auth/register", json=form)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    token = await verification_token(settings, user_id)
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    return str(user_id)


async def sign_in(client: Any, email: str, password: str = PASSWORD) -> SignedIn:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    return SignedIn(body["user"]["id"], email, body["access_token"], body["refresh_token"])


async def signed_in_user(
    client: Any, settings: Settings, form: dict[str, Any] | None = None
) -> SignedIn:
    form = form or patient_form()
    await register_verified(client, settings, form)
    return await sign_in(client, form["email"], form["password"])
