"""Refresh-token rotation, reuse detection, logout, and the access-token checks."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import jwt
import pytest
from pymongo import MongoClient

from domain.accounts import AccountsEnv
from domain.accounts.administration import set_active
from infra.resources import Resources
from tests.auth.support import PASSWORD, SignedIn, signed_in_user

REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client, token: str):  # type: ignore[no-untyped-def]
    return await client.post(REFRESH, json={"refresh_token": token})


async def test_refresh_rotates_the_pair_and_spends_the_old_token(client, settings) -> None:
    user = await signed_in_user(client, settings)
    first = await refresh(client, user.refresh_token)
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    assert pair["refresh_token"] != user.refresh_token
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200
    second = await refresh(client, pair["refresh_token"])
    assert second.status_code == 200


async def test_a_spent_token_revokes_its_whole_family(client, settings) -> None:
    user = await signed_in_user(client, settings)
    other_session = await signed_in_user_again(client, user)
    rotated = (await refresh(client, user.refresh_token)).json()["refresh_token"]

    replayed = await refresh(client, user.refresh_token)
    assert replayed.status_code == 401
    assert replayed.headers["content-type"] == "application/problem+json"
    # The thief's replay also ended the legitimate holder's newer token...
    assert (await refresh(client, rotated)).status_code == 401
    # ...but not the user's other sessions.
    assert (await refresh(client, other_session.refresh_token)).status_code == 200
    with MongoClient(settings.mongo.url) as mongo:
        events = list(mongo[settings.mongo.db].outbox.find({"event.type": "auth.refresh_reused"}))
    assert len(events) == 1
    assert events[0]["event"]["subject"] == {"type": "user", "id": user.id}


async def signed_in_user_again(client, user: SignedIn) -> SignedIn:  # type: ignore[no-untyped-def]
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    body = response.json()
    return SignedIn(user.id, user.email, body["access_token"], body["refresh_token"])


async def test_fifty_parallel_refreshes_of_one_token_succeed_once(client, settings) -> None:
    user = await signed_in_user(client, settings)
    responses = await asyncio.gather(*(refresh(client, user.refresh_token) for _ in range(50)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(401) == 49


async def test_unknown_and_garbage_refresh_tokens_are_401(client) -> None:
    assert (await refresh(client, "made-up-token")).status_code == 401
    assert (await client.post(REFRESH, json={})).status_code == 422


async def test_logout_ends_the_session(client, settings) -> None:
    user = await signed_in_user(client, settings)
    out = await client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token})
    assert out.status_code == 204
    assert (await refresh(client, user.refresh_token)).status_code == 401
    again = await client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token})
    assert again.status_code == 204


def _forge(settings, user: SignedIn, *, key: str | None = None, **changes) -> str:  # type: ignore[no-untyped-def]
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    secret = key or settings.auth.jwt_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm="HS256")


def _alg_none(user: SignedIn) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = user.access_token.split(".")[1]
    return f"{header.decode().rstrip('=')}.{payload}."


TAMPERED = {
    "alg none": lambda s, u: _alg_none(u),
    "wrong key": lambda s, u: _forge(s, u, key="another-secret-that-is-long-enough-0123456789"),
    "expired": lambda s, u: _forge(
        s, u, exp=int(time.time()) - 120, iat=int(time.time()) - 1200, nbf=None
    ),
    "wrong audience": lambda s, u: _forge(s, u, aud="another-api"),
    "wrong issuer": lambda s, u: _forge(s, u, iss="someone-else"),
    "not an access token": lambda s, u: _forge(s, u, typ="refresh"),
    "no subject": lambda s, u: _forge(s, u, sub=None),
    "no expiry": lambda s, u: _forge(s, u, exp=None),
    "issued in the future": lambda s, u: _forge(
        s, u, iat=int(time.time()) + 3600, nbf=int(time.time()) + 3600
    ),
    "role raised without the key": lambda s, u: (
        u.access_token.split(".")[0]
        + "."
        + base64.urlsafe_b64encode(
            json.dumps(
                jwt.decode(u.access_token, options={"verify_signature": False}) | {"role": "admin"}
            ).encode()
        )
        .decode()
        .rstrip("=")
        + "."
        + u.access_token.split(".")[2]
    ),
    "refresh token as access token": lambda s, u: u.refresh_token,
    "garbage": lambda s, u: "not.a.token",
}


@pytest.mark.parametrize("case", list(TAMPERED))
async def test_tampered_tokens_are_401(client, settings, case: str) -> None:
    user = await signed_in_user(client, settings)
    assert (await client.get(ME, headers=user.headers)).status_code == 200
    response = await client.get(ME, headers=bearer(TAMPERED[case](settings, user)))
    assert response.status_code == 401, case
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


async def test_missing_or_malformed_authorization_is_401(client) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}):
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_signed_with_the_right_key_but_no_account_is_refused(
    client, settings
) -> None:
    user = await signed_in_user(client, settings)
    ghost = _forge(settings, user, sub="0123456789abcdef01234567")
    assert (await client.get(ME, headers=bearer(ghost))).status_code == 401


async def test_a_deactivated_user_loses_every_token_at_once(client, settings) -> None:
    user = await signed_in_user(client, settings)
    resources = Resources.open(settings)
    try:
        await set_active(AccountsEnv.from_resources(resources), user.id, False)
    finally:
        await resources.close()
    assert (await client.get(ME, headers=user.headers)).status_code == 401
    assert (await refresh(client, user.refresh_token)).status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert login.status_code == 403
    assert "deactivated" in login.json()["detail"]


async def test_without_redis_revocation_falls_back_to_the_database(
    client, settings, monkeypatch
) -> None:
    from api.app import create_app
    from config.settings import Settings
    from config.stack.processes import free_port

    kept = await signed_in_user(client, settings)
    revoked = await signed_in_user(client, settings)
    resources = Resources.open(settings)
    try:
        await set_active(AccountsEnv.from_resources(resources), revoked.id, False)
    finally:
        await resources.close()

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=create_app(Settings())) as no_redis:
        assert (await no_redis.get(ME, headers=kept.headers)).status_code == 200
        assert (await no_redis.get(ME, headers=revoked.headers)).status_code == 401


async def test_the_revocation_marker_only_ever_rises(settings) -> None:
    """Two credential changes that commit in one order may write their markers in the
    other: the older version must not replace the newer one."""
    import redis.asyncio as aioredis

    from domain.accounts.revocation import marker_key, record_revocation

    redis = aioredis.Redis.from_url(settings.redis.url)
    try:
        await record_revocation(redis, settings.auth, "u1", 5)
        await record_revocation(redis, settings.auth, "u1", 3)  # late writer of an older change
        assert await redis.get(marker_key("u1")) == b"5"
        await record_revocation(redis, settings.auth, "u1", 6)
        assert await redis.get(marker_key("u1")) == b"6"
        # It still lives only as long as an access token can.
        ttl = await redis.ttl(marker_key("u1"))
        assert 0 < ttl <= settings.auth.access_token_minutes * 60 + 120
    finally:
        await redis.aclose()
