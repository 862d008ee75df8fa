"""Dramatiq middleware of our own."""

from __future__ import annotations

from typing import Any

from dramatiq import Middleware

ERRORS_SUFFIX = ".XQ.errors"


def errors_key(namespace: str, queue_name: str) -> str:
    return f"{namespace}:{queue_name.removesuffix('.DQ')}{ERRORS_SUFFIX}"


class RecordDeadLetterErrors(Middleware):
    """Keeps the error that killed a message next to its dead letter.

    The Redis broker moves the stored body to the dead-letter set as it was enqueued, so
    without this the reason a message died would only be in the worker's log.
    """

    def __init__(self, namespace: str, ttl_seconds: int) -> None:
        self.namespace = namespace
        self.ttl_seconds = ttl_seconds

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is None or not message.failed:
            return
        key = errors_key(self.namespace, message.queue_name)
        summary = f"{type(exception).__name__}: {exception}"[:500]
        client = broker.client
        client.hset(key, message.options.get("redis_message_id", message.message_id), summary)
        client.expire(key, self.ttl_seconds)
