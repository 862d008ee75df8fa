"""The port through which domain services ask for background work, by actor name and ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class JobQueue(Protocol):
    def enqueue(self, actor_name: str, **kwargs: Any) -> None:
        """Ask for `actor_name` to run with JSON-serialisable keyword arguments."""

    def enqueue_at(self, actor_name: str, eta: datetime, /, **kwargs: Any) -> None:
        """The same, to run no sooner than `eta` (at once when that has passed)."""
