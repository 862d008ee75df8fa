"""The Dramatiq broker: Redis, with retries, time limits and dead letters configured here."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from config.settings import Settings

_configured: tuple[str, str] | None = None


def build_broker(settings: Settings) -> RedisBroker:
    worker = settings.worker
    broker = RedisBroker(
        url=settings.redis.url,
        namespace=worker.namespace,
        # Dead letters stay inspectable (and requeueable) for this long.
        dead_message_ttl=worker.dead_message_ttl_days * 86_400_000,
        middleware=[
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
    )
    return broker


def configure_broker(settings: Settings) -> dramatiq.Broker:
    """Install the process-wide broker once; later calls with the same target reuse it."""
    global _configured
    target = (settings.redis.url, settings.worker.namespace)
    if _configured == target:
        return dramatiq.get_broker()
    broker = build_broker(settings)
    dramatiq.set_broker(broker)
    _configured = target
    return broker
