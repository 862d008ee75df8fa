"""Dependencies shared by every controller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from actors.dispatch import DeferredJobQueue


async def provide_jobs() -> AsyncGenerator[DeferredJobQueue, None]:
    """Jobs a handler asks for are sent only if the handler succeeds."""
    queue = DeferredJobQueue()
    try:
        yield queue
    except BaseException:
        queue.discard()
        raise
    await asyncio.to_thread(queue.flush)
