"""Transactions for appointment writes: retried on transient conflicts, and serialised
within the process where the store cannot isolate concurrent transactions.

MongoDB (a replica set) isolates transactions and reports a transient write conflict when
two touch the same document; those are retried. The embedded development store answers
`hello` without a replica-set name and runs every session on one SQLite connection, so two
open transactions would nest and commit or roll back each other's writes: there, this
process runs its transactions one at a time (across its event loops and threads too, since
a worker runs one loop per thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from pymongo.errors import DuplicateKeyError, PyMongoError

from domain.shared.errors import Conflict
from domain.shared.transaction import transaction

T = TypeVar("T")
ATTEMPTS = 5
_isolating: dict[int, bool] = {}
_process_lock = threading.Lock()
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def is_transient(exc: PyMongoError) -> bool:
    labelled = getattr(exc, "has_error_label", None)
    if labelled is not None and labelled("TransientTransactionError"):
        return True
    return getattr(exc, "code", None) in (112, 251)  # WriteConflict, NoSuchTransaction


async def isolates_transactions(client: Any) -> bool:
    key = id(client)
    if key not in _isolating:
        hello = await client.admin.command("hello")
        _isolating[key] = bool(hello.get("setName"))
    return _isolating[key]


@contextlib.asynccontextmanager
async def _one_at_a_time() -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    loop_lock = _loop_locks.setdefault(loop, asyncio.Lock())
    async with loop_lock:
        # Polling keeps cancellation safe: a cancelled waiter never ends up owning the lock.
        while not _process_lock.acquire(blocking=False):  # noqa: ASYNC110 - a thread lock
            await asyncio.sleep(0.002)
        try:
            yield
        finally:
            _process_lock.release()


async def _attempt(client: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    async with transaction(client) as session:
        return await work(session)


async def run_in_transaction(client: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            if await isolates_transactions(client):
                return await _attempt(client, work)
            async with _one_at_a_time():
                return await _attempt(client, work)
        except DuplicateKeyError:
            raise
        except PyMongoError as exc:
            if not is_transient(exc):
                raise
            await asyncio.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311
    raise Conflict("the store is busy with the same change; try again")
