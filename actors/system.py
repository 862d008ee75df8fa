"""Platform-level actors: a health probe used by operators and tests."""

from __future__ import annotations

import time

import dramatiq


@dramatiq.actor(actor_name="system.ping", queue_name="system", max_retries=0)
def ping(token: str) -> None:
    """Writes `token` back to Redis, proving a worker picks up and runs jobs."""
    from actors.context import worker_redis

    worker_redis().set(f"system:pong:{token}", str(time.time()), ex=300)


@dramatiq.actor(actor_name="system.fail_once", queue_name="system", max_retries=0)
def fail_once(token: str) -> None:
    """A canary for the failure path: its first run for a token fails and is dead-lettered,
    a requeued run succeeds. Operators use it to check retries and requeueing end to end."""
    from actors.context import worker_redis

    client = worker_redis()
    if client.set(f"system:failed:{token}", "1", nx=True, ex=3600):
        raise RuntimeError(f"canary {token} failing on purpose (first run)")
    client.set(f"system:pong:{token}", str(time.time()), ex=300)
