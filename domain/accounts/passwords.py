"""Password policy and bcrypt hashing, always off the event loop.

bcrypt only reads the first 72 bytes of a password, so anything longer would silently
accept a different password: longer ones are refused instead. Hashing runs on a pool as
wide as the machine so that a login flood saturates the cores without queueing other
blocking work (S3 calls, files) behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

import bcrypt

from domain.accounts.common_passwords import COMMON_PASSWORDS
from domain.shared.errors import InvalidInput

T = TypeVar("T")
MIN_CHARACTERS = 8
MAX_BYTES = 72
HASHING_NICENESS = 19


def password_problem(password: str) -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_CHARACTERS:
        return f"Password must be at least {MIN_CHARACTERS} characters long"
    if len(password.encode("utf-8")) > MAX_BYTES:
        return (
            f"Password must be at most {MAX_BYTES} bytes in UTF-8 "
            "(accented letters and emoji take 2 to 4 bytes each)"
        )
    if password.lower() in COMMON_PASSWORDS:
        return "This password is too common; choose another one"
    return None


def check_policy(password: str, *, field: str = "password") -> None:
    problem = password_problem(password)
    if problem is not None:
        raise InvalidInput(problem, field=field)


def _yield_to_the_event_loop() -> None:
    """Runs in each hashing thread: hashing only gets the CPU time nothing else wants, so
    a sign-in flood uses every idle cycle without delaying other requests. Linux's
    SCHED_IDLE policy (per thread) lets any other thread preempt hashing the moment it
    wakes; where that is refused, the lowest nice value is the next best thing."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: this thread
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=os.cpu_count() or 1,
        thread_name_prefix="bcrypt",
        initializer=_yield_to_the_event_loop,
    )


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool(), fn, *args)


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _check(password: str, hashed: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_BYTES:  # bcrypt 5 raises; such a password was never accepted
        return False
    try:
        return bcrypt.checkpw(encoded, hashed.encode("ascii"))
    except ValueError:  # a malformed stored hash matches nothing
        return False


async def hash_password(password: str, rounds: int) -> str:
    check_policy(password)
    return str(await _off_loop(_hash, password, rounds))


async def verify_password(password: str, hashed: str) -> bool:
    return bool(await _off_loop(_check, password, hashed))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return _hash(secrets.token_urlsafe(16), rounds)


async def spend_equal_time(password: str, rounds: int) -> None:
    """Costs what checking a real account costs, so that unknown emails answer as slowly."""
    dummy = await _off_loop(_dummy_hash, rounds)
    await verify_password(password, dummy)


def hash_rounds(hashed: str) -> int:
    """The cost a stored hash was made with (`$2b$12$...` → 12)."""
    try:
        return int(hashed.split("$")[2])
    except (IndexError, ValueError):
        return 0
