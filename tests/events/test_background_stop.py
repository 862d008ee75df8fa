"""Background loops stop when asked, even when a library swallows their cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from config.settings import Settings
from infra.background import cancel_and_wait
from infra.outbox_signal import OutboxAnnouncer
from infra.redis import create_redis


async def _returns(stopping: Coroutine[Any, Any, None]) -> bool:
    """Whether `stopping` returns within a few seconds. Waited for without cancelling it:
    cancelling a stop that awaits its task would cancel that task a second time."""
    task = asyncio.create_task(stopping)
    done, _ = await asyncio.wait({task}, timeout=5)
    if not done:
        task.cancel()
    return bool(done)


async def test_a_task_that_swallows_its_cancellation_is_cancelled_again() -> None:
    first_cancel_seen = asyncio.Event()

    async def careless() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:  # as a client library does now and then
            first_cancel_seen.set()
        await asyncio.Event().wait()  # the loop's next wait for work

    task = asyncio.create_task(careless())
    await asyncio.sleep(0)
    assert await _returns(cancel_and_wait(task)), "the stop never returned"
    assert first_cancel_seen.is_set()
    assert task.cancelled()


async def test_a_failure_of_the_task_still_reaches_the_caller() -> None:
    async def failing() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_the_announcer_stops_whenever_it_is_stopped_mid_publish(settings: Settings) -> None:
    # A web process stops its announcer at shutdown, often right after a request's write
    # announced itself: the stop lands while the announcement is on its way to Redis. Each
    # stop here lands at another point of that publish; before, about one in fifteen never
    # returned.
    redis = create_redis(settings.redis)
    try:
        for attempt in range(150):
            announcer = OutboxAnnouncer(redis)
            announcer.start()
            await asyncio.sleep(0)
            announcer.notify()
            await asyncio.sleep((attempt % 15) / 10_000)
            assert await _returns(announcer.stop()), f"stop {attempt} never returned"
    finally:
        await redis.aclose()
