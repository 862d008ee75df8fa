"""One MongoDB transaction around a state change and the events it records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def transaction(client: Any) -> AsyncIterator[Any]:
    """Yields a session inside a transaction; commits on success, aborts on error.

    Production runs MongoDB as a replica set, and the embedded store supports
    transactions too, so every write that records an event goes through here.
    """
    async with await client.start_session() as session, session.start_transaction():
        yield session
