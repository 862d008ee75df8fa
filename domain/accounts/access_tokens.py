"""Access tokens: short-lived HS256 JWTs.

The algorithm is pinned on both sides; the token's own header never chooses it, so `none`
and algorithm-confusion tokens are refused. `typ` separates access tokens from anything
else signed with the same key; `ver` is the user's token version at issue time.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from config.settings import AuthSettings
from domain.accounts.roles import Role
from domain.shared.errors import Unauthenticated

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "typ", "iss", "aud", "jti"]
LEEWAY_SECONDS = 10  # clock drift between web processes


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: Role
    token_version: int
    session_id: str | None
    token_id: str
    issued_at: int
    expires_at: int


def issue_access_token(
    settings: AuthSettings,
    *,
    user_id: str,
    role: Role,
    token_version: int,
    session_id: str | None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """The signed token and its lifetime in seconds."""
    now = now or datetime.now(UTC)
    lifetime = settings.access_token_minutes * 60
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": user_id,
        "role": role.value,
        "typ": ACCESS_TYPE,
        "ver": token_version,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=lifetime),
    }
    if session_id:
        claims["sid"] = session_id
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)
    return token, lifetime


def decode_access_token(settings: AuthSettings, token: str) -> AccessClaims:
    """Verified claims, or Unauthenticated (never says which check failed: no oracle)."""
    try:
        claims = _verified(
            token,
            settings.jwt_secret.get_secret_value(),
            settings.jwt_issuer,
            settings.jwt_audience,
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        raise Unauthenticated("The access token is invalid or has expired") from None
    # A remembered verification says nothing about time: expiry is checked on every use.
    if claims.expires_at + LEEWAY_SECONDS <= time.time():
        raise Unauthenticated("The access token is invalid or has expired")
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str, issuer: str, audience: str) -> AccessClaims:
    """Signature and claim checks of one token string, remembered: a client sends the same
    access token with every request for its whole lifetime, and the signature of an
    identical string cannot change. Refused tokens raise and are never remembered."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": REQUIRED_CLAIMS},
    )
    if claims.get("typ") != ACCESS_TYPE:
        raise jwt.InvalidTokenError("not an access token")
    return AccessClaims(
        user_id=str(claims["sub"]),
        role=Role(claims["role"]),
        token_version=int(claims.get("ver", 0)),
        session_id=claims.get("sid"),
        token_id=str(claims["jti"]),
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )
