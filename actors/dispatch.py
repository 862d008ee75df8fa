"""Enqueueing by actor name, so callers never import actor code (the `JobQueue` port)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dramatiq


class BrokerJobQueue:
    """Sends at once. Used where there is no request to wait for (workers, scheduler)."""

    def enqueue(self, actor_name: str, **kwargs: Any) -> None:
        dramatiq.get_broker().get_actor(actor_name).send(**kwargs)

    def enqueue_at(self, actor_name: str, eta: datetime, /, **kwargs: Any) -> None:
        # A delayed message waits in the queue's delay queue (`<queue>.DQ`) until its eta.
        delay_ms = int((eta - datetime.now(UTC)).total_seconds() * 1000)
        if delay_ms <= 0:
            self.enqueue(actor_name, **kwargs)
            return
        actor = dramatiq.get_broker().get_actor(actor_name)
        actor.send_with_options(kwargs=kwargs, delay=delay_ms)


class DeferredJobQueue:
    """Collects jobs during a request and sends them only once the request has succeeded,
    so that a failed write never leaves a job behind that refers to nothing."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, datetime | None, dict[str, Any]]] = []

    def enqueue(self, actor_name: str, **kwargs: Any) -> None:
        self.pending.append((actor_name, None, kwargs))

    def enqueue_at(self, actor_name: str, eta: datetime, /, **kwargs: Any) -> None:
        self.pending.append((actor_name, eta, kwargs))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        sender = BrokerJobQueue()
        for name, eta, kwargs in pending:
            if eta is None:
                sender.enqueue(name, **kwargs)
            else:
                sender.enqueue_at(name, eta, **kwargs)

    def discard(self) -> None:
        self.pending.clear()
