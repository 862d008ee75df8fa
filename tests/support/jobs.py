"""Dramatiq jobs as the Redis broker keeps them: to wait until a worker has run them rather
than for a fixed time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import redis

from config.settings import Settings
from tests.support.waiting import wait_for


def queued_jobs(
    settings: Settings, queue: str, *, due: bool = True, delayed: bool = True, dead: bool = False
) -> list[dict[str, Any]]:
    """The bodies of `queue`'s jobs, decoded: those due now, those waiting in its delay
    queue, those dead-lettered, as asked."""
    prefix = f"{settings.worker.namespace}:{queue}"
    wanted = (("", due), (".DQ", delayed), (".XQ", dead))
    with redis.Redis.from_url(settings.redis.url) as client:
        bodies = [
            raw for suffix, on in wanted if on for raw in client.hvals(f"{prefix}{suffix}.msgs")
        ]
    return [json.loads(raw) for raw in bodies]


def unfinished_jobs(
    settings: Settings, queue: str, message_id: str | None = None, delayed: bool = True
) -> int:
    """Jobs of `queue` (only the one with `message_id`, when given) not yet run to the end;
    without `delayed`, only those due now, not those waiting in the delay queue.

    A job's body stays in its queue's hash until a worker acknowledges it, after running
    it, and a retry is enqueued in the delay queue before the failed run is acknowledged:
    so a job and whatever it enqueued on the same queue have run once none is left.
    """
    jobs = queued_jobs(settings, queue, delayed=delayed)
    return sum(message_id is None or job["message_id"] == message_id for job in jobs)


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
