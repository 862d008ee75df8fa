"""Background tasks a process runs beside its main work (announcers, dispatchers, listeners)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

# How long a cancelled task has to stop before it is cancelled again (see cancel_and_wait).
RECANCEL_SECONDS = 0.25


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` (if any) and return once it has stopped.

    A cancellation that lands inside a Redis command can be swallowed by the client (redis-py
    does, now and then, when it arrives at the wrong moment of a command: it returns as if
    nothing happened), and a loop that waits for work then simply goes on waiting: its
    stop never returned, and a web process hung in its shutdown. So the task is cancelled
    again until it has stopped; the next cancellation finds it in its own wait.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task
