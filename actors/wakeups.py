"""Idle workers woken when a job is enqueued, instead of finding it at their next poll.

Dramatiq's Redis consumer polls: with nothing to do it sleeps a growing back-off up to the
worker timeout (WORKER_TIMEOUT_MS) between fetches, so a job enqueued into a quiet queue
waited half that on average, and its email or push left that much later. Here each enqueue
also pushes a token on a short list per queue, and an idle consumer waits on that list
(BLPOP) for at most the worker timeout instead of sleeping. One token wakes one waiting
consumer, which then fetches as usual.

Tokens are hints, never the job: the jobs stay in their queue, and the poll stays as the
safety net. A lost or missing token (Redis maintenance requeueing a dead worker's jobs
pushes none) only means the job is found at the next poll, as before. The list is capped,
so tokens left while every consumer was busy cost at most a few empty fetches.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import compute_backoff
from dramatiq.errors import ConnectionClosed

from config.logging import get_logger

WAKE_TOKENS = 8  # most tokens kept per queue: more than the consumers that can be idle at once
WAKE_SUFFIX = ".wake"  # after the queue's name (a delay queue's ends in ".DQ.wake")

log = get_logger(__name__)


def wake_key(namespace: str, queue_name: str) -> str:
    return f"{namespace}:{queue_name}{WAKE_SUFFIX}"


class WakingRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, whose enqueues wake an idle consumer of their queue."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return WakeableConsumer

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        enqueued = super().enqueue(message, delay=delay)
        key = wake_key(self.namespace, enqueued.queue_name)  # the delay queue's, if delayed
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.lpush(key, 1)
            pipe.ltrim(key, 0, WAKE_TOKENS - 1)
            pipe.execute()
        except redis.RedisError as exc:
            # The job is enqueued: failing the caller now would have it sent twice. It is
            # picked up at the next poll instead.
            log.warning("worker_wakeup_failed", queue=enqueued.queue_name, error=str(exc))
        return enqueued


class WakeableConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, which waits for a token when idle instead of sleeping."""

    def __init__(self, broker: RedisBroker, queue_name: str, prefetch: int, timeout: int):
        # The parent sleeps between empty fetches for a back-off up to its timeout; given
        # none, it fetches and returns at once, and the wait happens in `__next__` below.
        super().__init__(broker, queue_name, prefetch, 0)
        self.idle_ms = timeout
        self.wake_key = wake_key(broker.namespace, queue_name)
        # A connection of its own to wait on, whose read timeout outlasts the wait (the
        # broker's is shorter than a long WORKER_TIMEOUT_MS may be).
        pool = broker.client.connection_pool
        options = {**pool.connection_kwargs, "socket_timeout": timeout / 1000 + 5}
        self.waiter = redis.Redis(
            connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class, max_connections=1, **options
            )
        )

    def __next__(self) -> Any:
        message = super().__next__()
        if message is not None:
            return message
        try:
            if self.outstanding_message_count < self.prefetch:
                # Idle: until a job is announced, or the poll is due.
                self.waiter.blpop([self.wake_key], timeout=self.idle_ms / 1000)
            else:
                # Busy with all it may hold: a token is for a consumer that can take the
                # job, so leave it, and back off as Dramatiq does (the parent has counted
                # this miss already).
                _, backoff_ms = compute_backoff(self.misses, max_backoff=self.idle_ms)
                time.sleep(backoff_ms / 1000)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # As Dramatiq's own consumer does: the worker reconnects with a new consumer.
            raise ConnectionClosed(exc) from None
        return None

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.waiter.close()
