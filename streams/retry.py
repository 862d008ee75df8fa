"""Processing that must not skip a message: retried in place until it succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from config.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


async def until_done(
    step: Callable[[], Awaitable[T]], *, what: str, first_delay: float = 0.5, cap: float = 30.0
) -> T:
    """Run `step` until it succeeds. A failure (MongoDB or Redis briefly away) holds this
    partition back instead of acknowledging an event that was never processed."""
    delay = first_delay
    while True:
        try:
            return await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("stream_step_failed", step=what, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(cap, delay * 2)
