"""A sign-in whose password check overlaps a change of the credentials keeps no session:
its refresh token is refused once the change is in."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pyotp
import pytest
from pymongo import MongoClient

import domain.accounts.login as login_module
from domain.accounts import AccountsEnv, credentials
from domain.accounts.mails import password_reset_email
from infra.resources import Resources
from tests.auth.support import PASSWORD, patient_form, register_verified, signed_in_user

REFRESH = "/api/v1/auth/refresh"


@pytest.fixture
async def env(settings) -> AsyncIterator[AccountsEnv]:
    resources = Resources.open(settings)
    yield AccountsEnv.from_resources(resources)
    await resources.close()


async def sign_in_during(
    env: AccountsEnv, monkeypatch, email: str, change: Callable[[], Awaitable[Any]]
) -> Any:
    """Sign in with PASSWORD through the domain, `change` committing while bcrypt runs."""
    real = login_module.verify_password

    async def overlapped(password: str, hashed: str) -> bool:
        matches = await real(password, hashed)
        await change()
        return matches

    monkeypatch.setattr(login_module, "verify_password", overlapped)
    try:
        return await login_module.login(env, email, PASSWORD)
    finally:
        monkeypatch.setattr(login_module, "verify_password", real)


async def test_a_sign_in_overlapping_a_password_reset_cannot_refresh(
    client, settings, env, monkeypatch
) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    mail = await password_reset_email(env, job_id=uuid.uuid4().hex, email=form["email"])
    token = mail.text.split("token=")[1].split()[0]

    async def owner_resets() -> None:
        await credentials.reset_password(env, token, "owner new secret 99")

    stolen = await sign_in_during(env, monkeypatch, form["email"], owner_resets)

    refreshed = await client.post(REFRESH, json={"refresh_token": stolen.refresh_token})
    assert refreshed.status_code == 401, refreshed.text
    headers = {"Authorization": f"Bearer {stolen.access_token}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_a_sign_in_overlapping_mfa_enable_cannot_refresh_and_the_enabler_can(
    client, settings, env, monkeypatch
) -> None:
    owner = await signed_in_user(client, settings)
    setup = await client.post("/api/v1/auth/mfa/setup", headers=owner.headers)
    totp = pyotp.TOTP(setup.json()["secret"])

    async def owner_enables() -> None:
        code = totp.generate_otp(totp.timecode(time.time()))
        enabled = await client.post(
            "/api/v1/auth/mfa/enable", json={"code": code}, headers=owner.headers
        )
        assert enabled.status_code == 200, enabled.text

    # Read before the owner turned two-factor sign-in on: tokens without a code.
    password_only = await sign_in_during(env, monkeypatch, owner.email, owner_enables)

    refused = await client.post(REFRESH, json={"refresh_token": password_only.refresh_token})
    assert refused.status_code == 401, refused.text
    kept = await client.post(REFRESH, json={"refresh_token": owner.refresh_token})
    assert kept.status_code == 200, kept.text
    assert (await client.get("/api/v1/auth/me", headers=owner.headers)).status_code == 200


async def test_a_session_stored_without_a_version_still_refreshes(client, settings) -> None:
    """Families from before they kept a version are not all signed out on deploy."""
    user = await signed_in_user(client, settings)
    with MongoClient(settings.mongo.url) as mongo:
        sessions = mongo[settings.mongo.db].auth_sessions
        assert sessions.update_many({}, {"$unset": {"token_version": ""}}).modified_count == 1
    refreshed = await client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
