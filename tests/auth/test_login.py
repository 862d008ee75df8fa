"""POST /auth/login, GET /auth/me, lockout and enumeration safety."""

from __future__ import annotations

import asyncio
import statistics
import time

from pymongo import MongoClient

from tests.auth.support import (
    PASSWORD,
    new_email,
    patient_form,
    register_verified,
    sign_in,
    signed_in_user,
)

LOGIN = "/api/v1/auth/login"


def outbox_types(settings, event_type: str) -> list[dict]:
    with MongoClient(settings.mongo.url) as client:
        return list(client[settings.mongo.db].outbox.find({"event.type": event_type}))


async def test_login_returns_a_token_pair_and_me_describes_the_user(client, settings) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    response = await client.post(LOGIN, json={"email": form["email"].upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"].count(".") == 2 and body["refresh_token"]
    assert body["user"]["email"] == form["email"]

    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    user = me.json()
    assert {
        "id",
        "email",
        "role",
        "first_name",
        "last_name",
        "email_verified",
        "created_at",
    } <= set(user)
    assert user["id"] == body["user"]["id"] and user["email_verified"] is True
    assert user["created_at"].endswith("Z")


async def test_an_unverified_account_cannot_sign_in(client) -> None:
    form = patient_form()
    assert (await client.post("/api/v1/auth/register", json=form)).status_code == 201
    response = await client.post(LOGIN, json={"email": form["email"], "password": PASSWORD})
    assert response.status_code == 403
    assert "confirm your email" in response.json()["detail"].lower()
    # ...but only the right password learns that.
    wrong = await client.post(LOGIN, json={"email": form["email"], "password": "nope-nope-nope"})
    assert wrong.status_code == 401


async def test_wrong_password_and_unknown_email_answer_alike(client, settings) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    wrong = await client.post(LOGIN, json={"email": form["email"], "password": "not the password"})
    unknown = await client.post(LOGIN, json={"email": new_email(), "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    assert wrong.json() | {"detail": ""} == unknown.json() | {"detail": ""}
    assert wrong.json()["detail"] == unknown.json()["detail"]
    failed = outbox_types(settings, "auth.login_failed")
    assert {e["event"]["data"]["reason"] for e in failed} == {"bad_password", "unknown_email"}


async def test_an_unknown_email_takes_as_long_as_a_wrong_password(client, settings) -> None:
    """Both pay one bcrypt check: timing does not tell which addresses have accounts."""
    form = patient_form()
    await register_verified(client, settings, form)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await client.post(LOGIN, json={"email": email, "password": "whatever-123"})
        assert response.status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(4):  # interleaved, so that a busy machine slows both alike
        known.append(await timed(form["email"]))
        unknown.append(await timed(new_email()))
    assert statistics.median(unknown) >= 0.6 * statistics.median(known)


async def test_five_failures_lock_the_account_for_everyone(client, settings) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    other = patient_form()
    await register_verified(client, settings, other)
    statuses = []
    for attempt in range(5):
        response = await client.post(
            LOGIN,
            json={"email": form["email"], "password": f"wrong-password-{attempt}"},
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},  # spread over addresses
        )
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 401, 423]
    right = await client.post(LOGIN, json={"email": form["email"], "password": PASSWORD})
    assert right.status_code == 423
    assert "minute" in right.json()["detail"]
    assert 800 <= int(right.headers["retry-after"]) <= 900
    # Another account is not affected.
    assert (await sign_in(client, other["email"])).access_token
    locked = outbox_types(settings, "auth.locked_out")
    assert len(locked) == 1 and locked[0]["event"]["subject"]["type"] == "user"


async def test_addresses_without_an_account_lock_the_same_way(client) -> None:
    email = new_email()
    statuses = [
        (
            await client.post(LOGIN, json={"email": email, "password": f"guess-{i}-guess"})
        ).status_code
        for i in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 423, 423]


async def test_a_success_forgets_earlier_failures(client, settings) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    for _ in range(4):
        await client.post(LOGIN, json={"email": form["email"], "password": "wrong-password"})
    await sign_in(client, form["email"])
    for _ in range(4):
        response = await client.post(LOGIN, json={"email": form["email"], "password": "wrong-pw-1"})
        assert response.status_code == 401


async def test_concurrent_logins_each_get_their_own_session(client, settings) -> None:
    user = await signed_in_user(client, settings)
    responses = await asyncio.gather(
        *(client.post(LOGIN, json={"email": user.email, "password": PASSWORD}) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["refresh_token"] for r in responses}) == 5


async def test_a_raised_bcrypt_cost_rehashes_at_the_next_sign_in(
    client, settings, monkeypatch
) -> None:
    from litestar.testing import AsyncTestClient

    from api.app import create_app
    from config.settings import Settings

    form = patient_form()
    user_id = await register_verified(client, settings, form)

    def stored_hash() -> str:
        from bson import ObjectId

        with MongoClient(settings.mongo.url) as mongo:
            return mongo[settings.mongo.db].users.find_one({"_id": ObjectId(user_id)})[
                "password_hash"
            ]

    assert stored_hash().startswith("$2b$10$")
    monkeypatch.setenv("BCRYPT_ROUNDS", "11")
    async with AsyncTestClient(app=create_app(Settings())) as stronger:
        await sign_in(stronger, form["email"])
    assert stored_hash().startswith("$2b$11$")
    assert (await sign_in(client, form["email"])).access_token


async def test_sign_up_and_verification_are_recorded_as_events(client, settings) -> None:
    form = patient_form()
    user_id = await register_verified(client, settings, form)
    await sign_in(client, form["email"])
    for event_type in ("user.registered", "user.verified", "auth.login_succeeded"):
        [entry] = outbox_types(settings, event_type)
        assert entry["event"]["subject"] == {"type": "user", "id": user_id}
        assert entry["event"]["actor"]["id"] == user_id
        assert entry["topic"] in ("users.events", "auth.events")


async def test_an_address_typed_decomposed_signs_in_and_locks_as_one(client, settings) -> None:
    """Registration stores the accented local part composed (NFC); a client may send it
    decomposed (NFD). Both spellings are the same account and the same lockout count."""
    import unicodedata

    composed = f"jos\u00e9-{new_email()}"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    await register_verified(client, settings, patient_form(decomposed))

    assert (await sign_in(client, decomposed)).access_token
    assert (await sign_in(client, composed.upper())).access_token
    statuses = [
        (
            await client.post(
                LOGIN, json={"email": (composed, decomposed)[i % 2], "password": f"wrong-{i}-pw"}
            )
        ).status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 423]
