"""Failed-login counting per email address, in Redis so that every web process agrees.

Keyed by the address, not the account, so an address without an account locks the same
way as one with an account: the answers do not reveal which addresses exist.

A check (bcrypt, a second-factor code) takes long enough for many requests to start
before the first one fails. So an attempt is admitted *before* it is checked, in one Lua
step: refused while the address is locked, and refused while its failures in the window
plus the attempts still being checked would reach the threshold. However many requests
race, at most `threshold` guesses are ever checked before the lock. A failed attempt
then turns into a failure in the same kind of step; any other ending (success, an error)
releases it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from config.settings import AuthSettings
from domain.accounts.emails import email_key

# An admitted attempt whose check has not ended by then died with its process: it stops
# holding a place (a check takes well under a second).
PENDING_SECONDS = 60
# What a request refused only because other attempts are still being checked is told to
# wait: by then they have ended, and either the lock is set or there is room again.
BUSY_RETRY_SECONDS = 5

# KEYS: lock, failures, pending. ARGV: now, window, threshold, attempt id, pending seconds.
# Returns the lock's seconds left, -1 when the attempts in flight fill the threshold, 0
# when admitted.
_ADMIT = """
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then return ttl end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('ZADD', KEYS[3], now, ARGV[4])
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
return 0
"""

# KEYS: lock, failures, pending. ARGV: now, window, threshold, attempt id, lock seconds.
# Returns {failures, 1 if this call set the lock else 0}.
_FAIL = """
local now = tonumber(ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
local failures = redis.call('ZCARD', KEYS[2])
if failures < tonumber(ARGV[3]) then return {failures, 0} end
local locked = redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[5]), 'NX')
redis.call('DEL', KEYS[2])
if locked then return {failures, 1} end
return {failures, 0}
"""


@dataclass(frozen=True)
class Attempt:
    """One admitted guess at an address, counted until it fails or is released."""

    email: str
    id: str


class Refused(Exception):
    """No attempt admitted; `retry_after` in seconds."""

    def __init__(self, retry_after: int, *, busy: bool = False) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.busy = busy  # not locked: the attempts being checked could lock it


def _failures_key(email: str) -> str:
    return f"auth:failures:{email_key(email)}"


def _lock_key(email: str) -> str:
    return f"auth:locked:{email_key(email)}"


def _pending_key(email: str) -> str:
    return f"auth:pending:{email_key(email)}"


def _keys(email: str) -> list[str]:
    return [_lock_key(email), _failures_key(email), _pending_key(email)]


async def locked_for(redis: Any, email: str) -> int:
    """Seconds left on the address's lock (0 when not locked)."""
    ttl = await redis.ttl(_lock_key(email))
    return max(0, int(ttl))


async def admit(redis: Any, settings: AuthSettings, email: str) -> Attempt:
    """Reserve a place for one guess before checking it; raises Refused when there is none."""
    attempt = Attempt(email, uuid.uuid4().hex)
    window = settings.lockout_window_minutes * 60
    args = [time.time(), window, settings.lockout_threshold, attempt.id, PENDING_SECONDS]
    answer = int(await redis.eval(_ADMIT, 3, *_keys(email), *args))
    if answer > 0:
        raise Refused(answer)
    if answer < 0:
        raise Refused(BUSY_RETRY_SECONDS, busy=True)
    return attempt


async def release(redis: Any, attempt: Attempt) -> None:
    """The attempt ended without failing (or its failure is already counted): free its place."""
    await redis.zrem(_pending_key(attempt.email), attempt.id)


async def record_failure(
    redis: Any, settings: AuthSettings, email: str, attempt: Attempt | None = None
) -> tuple[int, bool]:
    """Count one failure in the sliding window (turning `attempt`, if given, from admitted
    into failed in the same step); returns (failures, just_locked)."""
    member = attempt.id if attempt is not None else uuid.uuid4().hex
    window = settings.lockout_window_minutes * 60
    lock_seconds = settings.lockout_minutes * 60
    args = [time.time(), window, settings.lockout_threshold, member, lock_seconds]
    failures, just_locked = await redis.eval(_FAIL, 3, *_keys(email), *args)
    # Only the request that sets the lock reports it, so a lockout is one event.
    return int(failures), bool(just_locked)


async def clear(redis: Any, email: str, *, unlock: bool = False) -> None:
    """Forget past failures; `unlock` also lifts a lock (a password reset proves ownership)."""
    keys = [_failures_key(email), _lock_key(email)] if unlock else [_failures_key(email)]
    await redis.delete(*keys)
