"""Account writes that go with their events run as one transaction, retried on transient
conflicts (and one at a time on the embedded store, which cannot isolate them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.appointments.transactions import run_in_transaction

T = TypeVar("T")


async def atomically(client: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    return await run_in_transaction(client, work)
