"""Indexes an area declares as data: {collection: [[(field, direction), ...], ...]}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import IndexModel

Declared = dict[str, list[list[tuple[str, int]]]]


def index_setup(declared: Declared) -> Callable[[Any], Awaitable[None]]:
    """An idempotent set-up creating `declared` (what `domain/indexes.py` runs at start)."""

    async def setup(db: Any) -> None:
        for collection, keys in declared.items():
            await db[collection].create_indexes([IndexModel(spec) for spec in keys])

    return setup
