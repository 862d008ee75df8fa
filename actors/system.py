"""Platform-level actors: a health probe used by operators and tests."""

from __future__ import annotations

import time

import dramatiq


@dramatiq.actor(actor_name="system.ping", queue_name="system", max_retries=0)
def ping(token: str) -> None:
    """Writes `token` back to Redis, proving a worker picks up and runs jobs."""
    from actors.context import worker_redis

    worker_redis().set(f"system:pong:{token}", str(time.time()), ex=300)
