"""Events acknowledged only once their processing has finished.

Faust acknowledges the event an agent's `async for` holds when the loop asks for the next
one, and also when the iteration is closed. So a worker stopped (a deploy's SIGTERM, a
rebalance) while a loop body was still retrying its write (`streams.retry.until_done`, the
store being away) acknowledged that event, committed its offset on the way out, and the
event was never processed by anyone.

Here the stream acknowledges nothing by itself (`noack`). An event is acknowledged when the
loop body hands control back for the next one, having finished with it (a `continue`
included), and never when the body raised or was cancelled: the offset is not committed
past it, and whoever owns the partition next receives it again (every consumer is
idempotent by event id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any


async def processed_events(stream: Any) -> AsyncIterator[Any]:
    """The stream's events, each acknowledged once the loop body is done with it."""
    manual = stream.noack()
    async for event in manual.events():
        yield event
        await manual.ack(event)
