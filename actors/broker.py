"""The Dramatiq broker: Redis, with retries, time limits and dead letters configured here."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from actors.middleware import RecordDeadLetterErrors
from actors.wakeups import WakingRedisBroker
from config.settings import Settings

_configured: tuple[str, str] | None = None


def build_broker(settings: Settings) -> WakingRedisBroker:
    worker = settings.worker
    broker = WakingRedisBroker(
        url=settings.redis.url,
        namespace=worker.namespace,
        # Dead letters stay inspectable (and requeueable) for this long.
        dead_message_ttl=worker.dead_message_ttl_days * 86_400_000,
        middleware=[
            # First in the list, so its after-hooks run last: after Retries decided to fail.
            RecordDeadLetterErrors(worker.namespace, worker.dead_message_ttl_days * 86_400),
            AgeLimit(),
            TimeLimit(time_limit=120_000),
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            Retries(
                max_retries=worker.max_retries,
                min_backoff=worker.min_backoff_ms,
                max_backoff=worker.max_backoff_ms,
            ),
            CurrentMessage(),
        ],
        socket_timeout=5,
        socket_connect_timeout=5,
        heartbeat_timeout=worker.heartbeat_timeout_ms,
        # Any live consumer requeues a dead worker's jobs during maintenance; at 5% of
        # commands (idle consumers poll every WORKER_TIMEOUT_MS) that happens within
        # seconds instead of minutes.
        maintenance_chance=50_000,
    )
    return broker


def configure_broker(settings: Settings) -> dramatiq.Broker:
    """Install the process-wide broker once; later calls with the same target reuse it."""
    global _configured
    target = (settings.redis.url, settings.worker.namespace)
    if _configured == target:
        return dramatiq.get_broker()
    previous = dramatiq.get_broker() if _configured is not None else None
    broker = build_broker(settings)
    if previous is not None:
        # Actors bind to a broker when their module is imported, which happens once per
        # process: carry them over, or they would be unknown to the new broker.
        for name in previous.get_declared_actors():
            actor = previous.get_actor(name)
            actor.broker = broker
            broker.declare_actor(actor)
    dramatiq.set_broker(broker)
    _configured = target
    return broker
