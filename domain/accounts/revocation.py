"""Access tokens issued before a password reset or a deactivation stop working at once.

The user document holds the authoritative `token_version`. Checking it on every request
would cost a database read, so a raise of the version is also written to Redis as a
marker that lives exactly as long as an access token can: a missing marker means nothing
was revoked within the lifetime of any token still valid, and the request costs one GET.
If Redis cannot answer, the user document is read instead.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError

from config.logging import get_logger
from domain.accounts.access_tokens import LEEWAY_SECONDS, AccessClaims
from domain.accounts.repository import get_user

log = get_logger(__name__)


def marker_key(user_id: str) -> str:
    return f"auth:token-version:{user_id}"


async def record_revocation(redis: Any, settings: Any, user_id: str, version: int) -> None:
    ttl = settings.access_token_minutes * 60 + LEEWAY_SECONDS + 60
    await redis.set(marker_key(user_id), str(version), ex=ttl)


async def is_revoked(redis: Any, db: Any, claims: AccessClaims) -> bool:
    try:
        marker = await redis.get(marker_key(claims.user_id))
    except RedisError as exc:
        log.warning("revocation_marker_unavailable", error=type(exc).__name__)
        user = await get_user(db, claims.user_id)
        return user is None or not user.active or claims.token_version < user.token_version
    return marker is not None and claims.token_version < int(marker)
