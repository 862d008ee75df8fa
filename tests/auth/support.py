"""Accounts for the auth tests, created through the API as a client would."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp

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


@dataclass
class TwoFactor:
    """An account with two-factor sign-in on, as its owner's authenticator app sees it."""

    user: SignedIn
    secret: str
    recovery_codes: list[str]
    enabled_step: int  # the time step of the code that turned it on (used up)

    def code(self, step: int) -> str:
        return str(pyotp.TOTP(self.secret).generate_otp(step))

    def next_code(self) -> str:
        """A code the server accepts (one step ahead is within its drift allowance) and
        that was not used yet; each call moves one step on, so call it once per sign-in."""
        self.enabled_step += 1
        return self.code(self.enabled_step)


async def enable_two_factor(client: Any, user: SignedIn) -> TwoFactor:
    setup = await client.post("/api/v1/auth/mfa/setup", headers=user.headers)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    enabled = await client.post(
        "/api/v1/auth/mfa/enable", json={"code": totp.generate_otp(step)}, headers=user.headers
    )
    assert enabled.status_code == 200, enabled.text
    return TwoFactor(user, secret, enabled.json()["recovery_codes"], step)


async def mfa_token(client: Any, email: str, password: str = PASSWORD) -> str:
    """The first step of a two-factor sign-in."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    assert response.json()["mfa_required"] is True, response.text
    return str(response.json()["mfa_token"])
