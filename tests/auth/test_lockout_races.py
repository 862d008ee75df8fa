"""The lockout holds against guesses sent in parallel to a real web process (the in-process
client serialises requests, so it cannot show a race)."""

from __future__ import annotations

import asyncio

import bcrypt
import httpx
from pymongo import MongoClient

from tests.auth.support import (
    PASSWORD,
    enable_two_factor,
    mfa_token,
    patient_form,
    register_verified,
    signed_in_user,
)

LOGIN = "/api/v1/auth/login"
THRESHOLD = 5  # LOCKOUT_THRESHOLD's default


def failed_events(settings, event_type: str, reason: str) -> int:
    with MongoClient(settings.mongo.url) as client:
        query = {"event.type": event_type, "event.data.reason": reason}
        return client[settings.mongo.db].outbox.count_documents(query)


def store_slow_hash(settings, email: str) -> None:
    """A costlier hash than the tests' default, so that checks take long enough to overlap."""
    slow = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12)).decode()
    with MongoClient(settings.mongo.url) as client:
        client[settings.mongo.db].users.update_one(
            {"email": email}, {"$set": {"password_hash": slow}}
        )


async def test_parallel_wrong_passwords_check_at_most_the_threshold(
    client, settings, platform
) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    store_slow_hash(settings, form["email"])
    web = platform.start("web", AUTH_RATE_LIMIT_PER_MINUTE="100000")

    async with httpx.AsyncClient(base_url=web.url, timeout=60) as real:
        answers: list[httpx.Response] = []

        async def attempt(password: str, delay: float = 0) -> int:
            await asyncio.sleep(delay)
            body = {"email": form["email"], "password": password}
            answers.append(await real.post(LOGIN, json=body))
            return answers[-1].status_code

        # The right password arrives while the wrong ones are still being hashed.
        *wrong, right = await asyncio.gather(
            *(attempt(f"wrong-password-{i}") for i in range(19)), attempt(PASSWORD, 0.2)
        )
        after = await attempt(PASSWORD)

    # A guess refused while others are being checked is told to retry in seconds, not that
    # the account is locked; only a lock says so, with its own Retry-After.
    refused = [
        (int(a.headers["retry-after"]), a.json()["detail"]) for a in answers if a.status_code == 423
    ]
    busy = [detail for seconds, detail in refused if seconds <= 5]
    locked = [detail for seconds, detail in refused if seconds > 5]
    assert busy and locked, refused
    assert all("being checked at once" in d and "locked" not in d for d in busy), busy
    assert all("the account is locked" in d for d in locked), locked

    assert failed_events(settings, "auth.login_failed", "bad_password") <= THRESHOLD
    assert wrong.count(401) <= THRESHOLD - 1, wrong
    assert set(wrong) <= {401, 423}, wrong
    assert right == 423 and after == 423


async def test_parallel_codes_on_one_mfa_token_check_at_most_the_threshold(
    client, settings, platform
) -> None:
    user = await signed_in_user(client, settings)
    await enable_two_factor(client, user)
    token = await mfa_token(client, user.email)
    web = platform.start("web", AUTH_RATE_LIMIT_PER_MINUTE="100000")

    async with httpx.AsyncClient(base_url=web.url, timeout=60) as real:
        responses = await asyncio.gather(
            *(
                real.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": "000000"})
                for _ in range(40)
            )
        )
    statuses = [r.status_code for r in responses]
    # A 401 may also say the sign-in was completed meanwhile: a request that found the
    # mfa_token taken by another one's transaction checks no code.
    wrong = [r for r in responses if r.status_code == 401 and "code" in r.json()["detail"]]
    assert failed_events(settings, "auth.mfa_failed", "wrong_code") <= THRESHOLD, statuses
    assert len(wrong) <= THRESHOLD - 1, statuses
    assert set(statuses) <= {401, 423}, statuses


async def test_admitted_attempts_leave_room_once_they_end(client, settings) -> None:
    """A success or a refusal that was not a wrong guess frees its place again."""
    form = patient_form()
    await register_verified(client, settings, form)
    for _ in range(2 * THRESHOLD):
        response = await client.post(LOGIN, json={"email": form["email"], "password": PASSWORD})
        assert response.status_code == 200, response.text
