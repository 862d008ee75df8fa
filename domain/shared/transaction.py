"""One MongoDB transaction around a state change and the events it records.

MongoDB (a replica set, as in production) isolates concurrent transactions. The embedded
development store does not: every client's sessions run on one SQLite connection, so two
open transactions nest and commit or roll back each other's writes. There, transactions
take turns: within an event loop, across the threads of a process, and across processes
(a lock file per store address, since the web, worker and streams processes share it).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import random
import tempfile
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from pymongo.errors import DuplicateKeyError, PyMongoError

from domain.shared.errors import Conflict

T = TypeVar("T")
ATTEMPTS = 5
_isolating: dict[int, bool] = {}
_thread_lock = threading.Lock()
_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
_lock_files: dict[str, IO[bytes]] = {}


async def isolates_transactions(client: Any) -> bool:
    """True on a replica set; False on the embedded store (it names no replica set)."""
    key = id(client)
    if key not in _isolating:
        hello = await client.admin.command("hello")
        _isolating[key] = bool(hello.get("setName"))
    return _isolating[key]


def _lock_file(client: Any) -> IO[bytes]:
    host, port = client.address or ("embedded", 0)
    address = f"{host}:{port}"
    name = hashlib.sha256(address.encode()).hexdigest()[:16]
    if name not in _lock_files:
        path = Path(tempfile.gettempdir()) / f"esante-store-{name}.lock"
        _lock_files[name] = path.open("ab")
    return _lock_files[name]


@asynccontextmanager
async def _taking_turns(client: Any) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    loop_lock = _loop_locks.setdefault(loop, asyncio.Lock())
    handle = _lock_file(client)
    async with loop_lock:
        # Polled, never blocking the loop; a cancelled waiter never ends up holding a lock.
        while not _thread_lock.acquire(blocking=False):  # noqa: ASYNC110 - a thread lock
            await asyncio.sleep(0.002)
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.002)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            _thread_lock.release()


# Per open session: what to run once its transaction has committed.
_after_commit: dict[int, list[Callable[[], None]]] = {}


def after_commit(session: Any, callback: Callable[[], None]) -> None:
    """Run `callback` once `session`'s transaction commits (never if it aborts); at once
    when there is no transaction (`session` None). Callbacks must be quick and not raise."""
    pending = _after_commit.get(id(session)) if session is not None else None
    if pending is None:
        callback()
    else:
        pending.append(callback)


@asynccontextmanager
async def transaction(client: Any) -> AsyncIterator[Any]:
    """Yields a session inside a transaction; commits on success, aborts on error."""
    turn = (
        contextlib.nullcontext() if await isolates_transactions(client) else _taking_turns(client)
    )
    committed: list[Callable[[], None]] = []
    async with turn, await client.start_session() as session:
        _after_commit[id(session)] = committed
        try:
            async with session.start_transaction():
                yield session
        finally:
            del _after_commit[id(session)]
    for callback in committed:  # only reached once the transaction committed
        callback()


def is_transient(exc: PyMongoError) -> bool:
    labelled = getattr(exc, "has_error_label", None)
    if labelled is not None and labelled("TransientTransactionError"):
        return True
    return getattr(exc, "code", None) in (112, 251)  # WriteConflict, NoSuchTransaction


async def run_in_transaction(client: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    """`work(session)` in a transaction, retried when MongoDB reports a transient conflict
    (two transactions touching the same document)."""
    for attempt in range(ATTEMPTS):
        try:
            async with transaction(client) as session:
                return await work(session)
        except DuplicateKeyError:
            raise
        except PyMongoError as exc:
            if not is_transient(exc):
                raise
            await asyncio.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # noqa: S311
    raise Conflict("the store is busy with the same change; try again")
