"""Counting documents correctly on real MongoDB and on the embedded store.

The embedded store's `count_documents` (an aggregate `$match`) matches nothing when the
filter holds ObjectId values, though `find` matches them; such counts walk a projection.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId


def _has_object_id(value: Any) -> bool:
    if isinstance(value, ObjectId):
        return True
    if isinstance(value, dict):
        return any(_has_object_id(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_object_id(v) for v in value)
    return False


async def count_matching(collection: Any, query: dict[str, Any]) -> int:
    if not _has_object_id(query):
        return int(await collection.count_documents(query))
    count = 0
    async for _ in collection.find(query, {"_id": 1}):
        count += 1
    return count


async def page_and_total(
    collection: Any, query: dict[str, Any], sort: list[tuple[str, int]], skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of `query` in `sort` order, and how many documents match in all.

    One document more than the page is asked for: when it does not come, the page reaches
    the end of the list and the total follows from it, so the common case of a list that
    fits on one page costs one query instead of a query and a count.
    """
    cursor = collection.find(query).sort(sort).skip(skip).limit(limit + 1)
    found = [doc async for doc in cursor]
    if len(found) <= limit and (found or skip == 0):
        return found, skip + len(found)
    return found[:limit], await count_matching(collection, query)
