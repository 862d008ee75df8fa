"""Dramatiq jobs as the Redis broker keeps them: to wait until a worker has run them rather
than for a fixed time."""

from __future__ import annotations

import asyncio
import json

import redis

from config.settings import Settings
from tests.support.waiting import wait_for


def unfinished_jobs(
    settings: Settings, queue: str, message_id: str | None = None, delayed: bool = True
) -> int:
    """Jobs of `queue` (only the one with `message_id`, when given) not yet run to the end;
    without `delayed`, only those due now, not those waiting in the delay queue.

    A job's body stays in its queue's hash until a worker acknowledges it, after running
    it, and a retry is enqueued in the delay queue before the failed run is acknowledged:
    so a job and whatever it enqueued on the same queue have run once none is left.
    """
    client = redis.Redis.from_url(settings.redis.url)
    prefix = f"{settings.worker.namespace}:{queue}"
    bodies = client.hvals(f"{prefix}.msgs")
    if delayed:
        bodies += client.hvals(f"{prefix}.DQ.msgs")
    if message_id is None:
        return len(bodies)
    return sum(json.loads(raw)["message_id"] == message_id for raw in bodies)


async def jobs_run(
    settings: Settings,
    queue: str,
    message_id: str | None = None,
    delayed: bool = True,
    timeout: float = 30,
) -> bool:
    """Wait until `unfinished_jobs` finds none left; False if `timeout` seconds pass first."""
    return await asyncio.to_thread(
        wait_for, lambda: not unfinished_jobs(settings, queue, message_id, delayed), timeout
    )
