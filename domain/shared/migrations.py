"""One-off rewrites of stored data that newer queries rely on, run as a web process starts.

Each is recorded in `migrations` once it has run to the end, so later starts skip it
without scanning the data again. A rewrite must be safe to run twice: web processes
starting together each run it, and one interrupted halfway runs again at the next start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from domain.shared.clock import utcnow

MIGRATIONS = "migrations"


async def run_once(db: Any, migration_id: str, rewrite: Callable[[Any], Awaitable[None]]) -> None:
    if await db[MIGRATIONS].find_one({"_id": migration_id}) is not None:
        return
    await rewrite(db)
    await db[MIGRATIONS].update_one(
        {"_id": migration_id}, {"$set": {"done_at": utcnow()}}, upsert=True
    )
