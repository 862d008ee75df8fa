"""Turning two-factor sign-in on needs a recent sign-in or the password, and the account is
mailed when it is turned on or off: a stolen, refreshed-forever session alone cannot lock
the owner out."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from pymongo import MongoClient

from tests.auth.support import PASSWORD, SignedIn, enable_two_factor, signed_in_user
from tests.support.mail import body_text, messages_to, wait_for_email

SETUP = "/api/v1/auth/mfa/setup"
ENABLE = "/api/v1/auth/mfa/enable"
REFRESH = "/api/v1/auth/refresh"


def sign_in_long_ago(settings, minutes: int = 16) -> None:
    """Move every session's sign-in back, as if it had been refreshed since."""
    with MongoClient(settings.mongo.url) as mongo:
        then = datetime.now(UTC) - timedelta(minutes=minutes)
        mongo[settings.mongo.db].auth_sessions.update_many({}, {"$set": {"created_at": then}})


async def current_code(client, user: SignedIn) -> str:
    setup = await client.post(SETUP, headers=user.headers)
    assert setup.status_code == 200, setup.text
    totp = pyotp.TOTP(setup.json()["secret"])
    return str(totp.generate_otp(totp.timecode(time.time())))


async def test_an_old_session_needs_the_password_to_turn_it_on(client, settings) -> None:
    user = await signed_in_user(client, settings)
    sign_in_long_ago(settings)
    # A refresh keeps the session's sign-in time: it is no new sign-in.
    refreshed = await client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 200
    user.access_token = refreshed.json()["access_token"]
    code = await current_code(client, user)

    refused = await client.post(ENABLE, json={"code": code}, headers=user.headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "password_confirmation_required"
    assert "current_password" in refused.json()["detail"]
    me = await client.get("/api/v1/auth/me", headers=user.headers)
    assert me.json()["mfa_enabled"] is False

    confirmed = await client.post(
        ENABLE, json={"code": code, "current_password": PASSWORD}, headers=user.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10


async def test_a_fresh_sign_in_still_turns_it_on_with_the_code_alone(client, settings) -> None:
    user = await signed_in_user(client, settings)
    await enable_two_factor(client, user)  # asserts 200 for {code}


async def test_a_wrong_password_on_enable_counts_towards_the_lockout(client, settings) -> None:
    user = await signed_in_user(client, settings)
    code = await current_code(client, user)
    statuses = []
    for attempt in range(5):
        body = {"code": code, "current_password": f"wrong password {attempt}"}
        statuses.append((await client.post(ENABLE, json=body, headers=user.headers)).status_code)
    assert statuses == [422, 422, 422, 422, 423]
    right = {"code": code, "current_password": PASSWORD}
    assert (await client.post(ENABLE, json=right, headers=user.headers)).status_code == 423


@pytest.mark.e2e
async def test_the_account_is_mailed_when_it_is_turned_on_and_off(
    client, settings, platform, data_dir
) -> None:
    user = await signed_in_user(client, settings)
    platform.start("worker")  # after the verification: its job finds nothing to send
    account = await enable_two_factor(client, user)
    turned_on = await asyncio.to_thread(wait_for_email, data_dir, user.email, count=1)
    assert "turned on" in str(turned_on["Subject"])
    assert "contact support" in body_text(turned_on)

    off = await client.post(
        "/api/v1/auth/mfa/disable",
        json={"current_password": PASSWORD, "code": account.next_code()},
        headers=user.headers,
    )
    assert off.status_code == 200, off.text
    turned_off = await asyncio.to_thread(wait_for_email, data_dir, user.email, count=2)
    assert "turned off" in str(turned_off["Subject"])
    subjects = [str(m["Subject"]) for m in messages_to(data_dir, user.email)]
    assert len(subjects) == 2, subjects  # one per change
