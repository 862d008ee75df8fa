"""Access tokens issued before a password reset or a deactivation stop working at once,
and so do those of a session that was logged out or caught reusing a refresh token.

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
from domain.accounts.refresh_tokens import session_revoked
from domain.accounts.repository import get_user

log = get_logger(__name__)


def marker_key(user_id: str) -> str:
    return f"auth:token-version:{user_id}"


def session_marker_key(session_id: str) -> str:
    return f"auth:session-revoked:{session_id}"


def _marker_ttl(settings: Any) -> int:
    # As long as an access token can live: afterwards no token the marker guards is valid.
    return int(settings.access_token_minutes * 60 + LEEWAY_SECONDS + 60)


# KEYS: the marker. ARGV: version, ttl. Sets the marker only when it is missing or lower;
# returns 1 when it set it.
_RAISE = """
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""


# Where a revocation is announced, as `user:<id>` or `session:<id>`: the web processes end
# the sockets it concerns at once (api/realtime/gateway.py) instead of at their next check.
REVOCATIONS_CHANNEL = "auth:revocations"


async def _announce(redis: Any, subject: str) -> None:
    """Best effort: a socket also checks its token at each event it sends and every few
    seconds, so an announcement lost (Redis away) only delays its end."""
    try:
        await redis.publish(REVOCATIONS_CHANNEL, subject)
    except RedisError as exc:
        log.warning("revocation_announcement_failed", error=type(exc).__name__)


async def record_revocation(redis: Any, settings: Any, user_id: str, version: int) -> None:
    """Raise the user's marker to `version`, never lower it. Called after the commit, so two
    changes racing (a reset and a deactivation) can write out of order: a plain SET could
    leave the older version, and tokens of the version between would pass the check. A
    higher marker already there was written after its own, later commit, so its lifetime
    covers every token this one would guard."""
    await redis.eval(_RAISE, 1, marker_key(user_id), version, _marker_ttl(settings))
    await _announce(redis, f"user:{user_id}")


async def record_session_revocation(redis: Any, settings: Any, session_id: str) -> None:
    """Called once the session's revocation is stored. If Redis cannot take the marker, the
    database still says the session is closed, and checks fall back to it when Redis is out;
    tokens already issued then live until they expire (at most one access lifetime)."""
    try:
        await redis.set(session_marker_key(session_id), "1", ex=_marker_ttl(settings))
    except RedisError as exc:
        log.warning("session_revocation_marker_unavailable", error=type(exc).__name__)
        return
    await _announce(redis, f"session:{session_id}")


async def is_revoked(redis: Any, db: Any, claims: AccessClaims) -> bool:
    keys = [marker_key(claims.user_id)]
    if claims.session_id:
        keys.append(session_marker_key(claims.session_id))
    try:
        version, *closed = await redis.mget(keys)  # one round trip for both markers
    except RedisError as exc:
        log.warning("revocation_marker_unavailable", error=type(exc).__name__)
        user = await get_user(db, claims.user_id)
        if user is None or not user.active or claims.token_version < user.token_version:
            return True
        return bool(claims.session_id) and await session_revoked(db, str(claims.session_id))
    if closed and closed[0] is not None:
        return True
    return version is not None and claims.token_version < int(version)
