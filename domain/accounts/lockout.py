"""Failed-login counting per email address, in Redis so that every web process agrees.

Keyed by the address, not the account, so an address without an account locks the same
way as one with an account: the answers do not reveal which addresses exist.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from config.settings import AuthSettings
from domain.accounts.emails import email_key


def _failures_key(email: str) -> str:
    return f"auth:failures:{email_key(email)}"


def _lock_key(email: str) -> str:
    return f"auth:locked:{email_key(email)}"


async def locked_for(redis: Any, email: str) -> int:
    """Seconds left on the address's lock (0 when not locked)."""
    ttl = await redis.ttl(_lock_key(email))
    return max(0, int(ttl))


async def record_failure(redis: Any, settings: AuthSettings, email: str) -> tuple[int, bool]:
    """Count one failure in the sliding window; returns (failures, just_locked)."""
    now = time.time()
    window = settings.lockout_window_minutes * 60
    key = _failures_key(email)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, 0, now - window)
        pipe.zadd(key, {uuid.uuid4().hex: now})
        pipe.zcard(key)
        pipe.expire(key, window)
        _, _, failures, _ = await pipe.execute()
    if failures < settings.lockout_threshold:
        return int(failures), False
    # Only the request that sets the lock reports it, so a lockout is one event.
    just_locked = await redis.set(_lock_key(email), "1", ex=settings.lockout_minutes * 60, nx=True)
    await redis.delete(key)
    return int(failures), bool(just_locked)


async def clear(redis: Any, email: str, *, unlock: bool = False) -> None:
    """Forget past failures; `unlock` also lifts a lock (a password reset proves ownership)."""
    keys = [_failures_key(email), _lock_key(email)] if unlock else [_failures_key(email)]
    await redis.delete(*keys)
