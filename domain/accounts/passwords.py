"""Password policy and bcrypt hashing, always off the event loop.

bcrypt only reads the first 72 bytes of a password, so anything longer would silently
accept a different password: longer ones are refused instead. Hashing runs on a pool of
background processes as wide as the machine (`domain/shared/background_cpu.py`): a login flood
saturates the cores with CPU time nothing else wants, without queueing other blocking work
(S3 calls, files) behind it or delaying other requests. A process that only needs hashing to
work, not to give way (the test suite's in-process apps, which start and stop hundreds of
times), can ask for a pool of threads instead: bcrypt releases the GIL, and nothing is
spawned.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

import bcrypt

from domain.accounts.common_passwords import COMMON_PASSWORDS
from domain.shared.background_cpu import background_pool
from domain.shared.errors import InvalidInput

T = TypeVar("T")
MIN_CHARACTERS = 8
MAX_BYTES = 72


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


_in_threads = False  # which pool `_pool` builds: see start_hashing


@lru_cache(maxsize=1)
def _pool() -> Executor:
    workers = os.cpu_count() or 1
    if _in_threads:
        return ThreadPoolExecutor(workers, thread_name_prefix="hashing")
    return background_pool(workers)


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(), fn, *args)
    except BrokenExecutor:
        # A worker died (killed, out of memory): the pool refuses all further work, so
        # start a fresh one and try once more.
        _pool.cache_clear()
        return await loop.run_in_executor(_pool(), fn, *args)


async def start_hashing(*, in_threads: bool = False) -> None:
    """Start every hashing worker now (the web server does at start-up), so that the first
    sign-ins do not wait for them: background processes, or, `in_threads`, threads of this
    process. A pool of the other kind still running is stopped first."""
    global _in_threads
    if in_threads != _in_threads:
        stop_hashing()
        _in_threads = in_threads
    await asyncio.gather(*(_off_loop(_started) for _ in range(os.cpu_count() or 1)))


def stop_hashing() -> None:
    """Stop the hashing processes (the web server does on shutdown); the next hash starts
    them again."""
    if _pool.cache_info().currsize:
        _pool().shutdown(wait=True, cancel_futures=True)
        _pool.cache_clear()


def _started() -> int:
    return os.getpid()


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
