"""At most one run of a job per period, however many scheduler replicas fire it."""

from __future__ import annotations

import json
import os
import socket
import time

import redis

LOCK_PREFIX = "scheduler:lock:"
RESULT_PREFIX = "scheduler:last:"
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(client: redis.Redis, job_id: str, period_seconds: float) -> bool:
    """Take the job's lock for most of one period; the replica that gets it runs the job.

    The lock outlives the run on purpose: a second replica whose clock fires a little later
    in the same period finds it taken and skips that run.
    """
    ttl_ms = max(1, int(period_seconds * 800))
    return bool(client.set(LOCK_PREFIX + job_id, HOLDER, nx=True, px=ttl_ms))


def record_result(client: redis.Redis, job_id: str, result: str) -> None:
    client.set(
        RESULT_PREFIX + job_id,
        json.dumps({"ran_at": time.time(), "result": result, "by": HOLDER}),
        ex=7 * 86_400,
    )
