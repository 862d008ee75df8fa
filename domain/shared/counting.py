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
