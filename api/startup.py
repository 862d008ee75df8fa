"""Start-up work of the web process."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pymongo.errors import PyMongoError

from config.logging import get_logger
from domain.indexes import ensure_indexes

log = get_logger(__name__)
RETRY_SECONDS = 5.0


async def create_indexes(db: Any) -> asyncio.Task[None] | None:
    """Create every area's indexes before serving. If MongoDB is unreachable the process
    still starts (and reports not ready); a background task keeps trying."""
    try:
        await ensure_indexes(db)
        return None
    except PyMongoError as exc:
        log.warning("indexes_not_created", error=type(exc).__name__)

    async def retry() -> None:
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            with contextlib.suppress(PyMongoError):
                await ensure_indexes(db)
                log.info("indexes_created")
                return

    return asyncio.create_task(retry())
