"""One page of a collection, newest first, in the contract's list shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


async def paged(
    collection: Any,
    query: dict[str, Any],
    *,
    page: int,
    page_size: int,
    view: Callable[[dict[str, Any]], dict[str, Any]],
    sort_field: str = "created_at",
) -> dict[str, Any]:
    cursor = (
        collection.find(query)
        .sort([(sort_field, -1), ("_id", -1)])
        .skip((page - 1) * page_size)
        .limit(page_size)
    )
    items = [view(doc) async for doc in cursor]
    total = await collection.count_documents(query)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
