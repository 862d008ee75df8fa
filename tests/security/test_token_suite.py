"""Forged and stale access tokens: every one is 401, none is a server error; the token of
a sign-in's second step and the session's tokens never stand in for each other.

The forger knows the token format and holds a valid token of their own, but not the
platform's signing secret.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.auth.support import (
    PASSWORD,
    SignedIn,
    enable_two_factor,
    mfa_token,
    signed_in_user,
)

ME = "/api/v1/auth/me"
ATTACKER_SECRET = "the-attackers-own-secret-0123456789abcdef"
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PRIVATE = _RSA.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
RSA_PUBLIC = _RSA.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(user: SignedIn, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, ATTACKER_SECRET, algorithm="HS256", headers=headers)


def _hs_with_public_key(claims: dict[str, Any]) -> str:
    # The classic confusion: HMAC keyed with the (public) RSA key, hoping the server
    # verifies with whatever algorithm the header names.
    import hashlib
    import hmac

    head = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(claims)
    mac = hmac.new(RSA_PUBLIC, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _now() -> int:
    return int(time.time())


FORGED: dict[str, Callable[[SignedIn], str]] = {
    "alg none": lambda u: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(u))}.",
    "alg None capitalised": lambda u: f"{_b64({'alg': 'None'})}.{_b64(_claims(u))}.",
    "RS256 signed by the attacker": lambda u: jwt.encode(_claims(u), RSA_PRIVATE, "RS256"),
    "HS256 keyed with a public key": lambda u: _hs_with_public_key(_claims(u)),
    "bad signature": lambda u: (
        u.access_token[:-4] + ("AAAA" if not u.access_token.endswith("AAAA") else "BBBB")
    ),
    "signed with another secret": lambda u: _sign(_claims(u)),
    "role raised, signature kept": lambda u: ".".join(
        [u.access_token.split(".")[0], _b64(_claims(u, role="admin")), u.access_token.split(".")[2]]
    ),
    "expired": lambda u: _sign(_claims(u, exp=_now() - 300, iat=_now() - 1200, nbf=None)),
    "not valid before the future": lambda u: _sign(_claims(u, nbf=_now() + 3600)),
    "missing exp": lambda u: _sign(_claims(u, exp=None)),
    "wrong audience": lambda u: _sign(_claims(u, aud="another-api")),
    "wrong issuer": lambda u: _sign(_claims(u, iss="https://evil.example")),
    "refresh token used as access token": lambda u: u.refresh_token,
    "unknown kid": lambda u: _sign(_claims(u), headers={"kid": "attacker-key-1"}),
    "jku header": lambda u: _sign(_claims(u), headers={"jku": "https://evil.example/jwks.json"}),
    "x5u header": lambda u: _sign(_claims(u), headers={"x5u": "https://evil.example/cert.pem"}),
    "embedded jwk": lambda u: jwt.encode(
        _claims(u),
        RSA_PRIVATE,
        "RS256",
        headers={"jwk": json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_RSA.public_key()))},
    ),
    "empty token": lambda u: "",
    "three dots of nothing": lambda u: "..",
    "truncated": lambda u: u.access_token[: len(u.access_token) // 2],
}


@pytest.mark.parametrize("case", list(FORGED))
async def test_forged_tokens_are_refused(client, settings, case: str) -> None:
    user = await signed_in_user(client, settings)
    assert (await client.get(ME, headers=user.headers)).status_code == 200
    forged = FORGED[case](user)
    response = await client.get(ME, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_token_after_password_reset_is_refused(client, settings) -> None:
    from tests.auth.support import verification_token  # noqa: F401 - same account helpers

    user = await signed_in_user(client, settings)
    changed = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "a completely new secret 9"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    assert (await client.get(ME, headers=user.headers)).status_code == 401


async def test_token_of_a_deactivated_user_is_refused(client, settings) -> None:
    from infra.mongo import create_mongo_client
    from tests.support.people import make_person

    mongo = create_mongo_client(settings.mongo)
    db = mongo[settings.mongo.db]
    admin = await make_person(db, settings, "admin")
    user = await signed_in_user(client, settings)
    deactivated = await client.patch(
        f"/api/v1/admin/users/{user.id}", json={"active": False}, headers=admin.headers
    )
    mongo.close()
    assert deactivated.status_code == 200, deactivated.text
    assert (await client.get(ME, headers=user.headers)).status_code == 401


async def test_token_after_logout_is_refused(client, settings) -> None:
    user = await signed_in_user(client, settings)
    out = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
    )
    assert out.status_code == 204
    assert (await client.get(ME, headers=user.headers)).status_code == 401


async def test_an_mfa_token_is_no_access_or_refresh_token(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    token = await mfa_token(client, account.user.email)
    as_bearer = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401, as_bearer.text
    assert as_bearer.headers["www-authenticate"].startswith("Bearer")
    as_refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert as_refresh.status_code == 401, as_refresh.text
    # Neither use spent it: it still completes the sign-in it was issued for.
    verified = await client.post(
        "/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": account.next_code()}
    )
    assert verified.status_code == 200, verified.text


async def test_an_access_or_refresh_token_is_no_mfa_token(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    code = account.next_code()
    for token in (account.user.access_token, account.user.refresh_token):
        response = await client.post(
            "/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": code}
        )
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
