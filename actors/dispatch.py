"""Enqueueing by actor name, so callers never import actor code (the `JobQueue` port)."""

from __future__ import annotations

from typing import Any

import dramatiq


class BrokerJobQueue:
    """Sends at once. Used where there is no request to wait for (workers, scheduler)."""

    def enqueue(self, actor_name: str, **kwargs: Any) -> None:
        dramatiq.get_broker().get_actor(actor_name).send(**kwargs)


class DeferredJobQueue:
    """Collects jobs during a request and sends them only once the request has succeeded,
    so that a failed write never leaves a job behind that refers to nothing."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, actor_name: str, **kwargs: Any) -> None:
        self.pending.append((actor_name, kwargs))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        sender = BrokerJobQueue()
        for name, kwargs in pending:
            sender.enqueue(name, **kwargs)

    def discard(self) -> None:
        self.pending.clear()
