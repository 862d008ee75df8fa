"""OneSignal push subscriptions, one document each (never pushed into the user document)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.notifications.models import DEVICES


async def ensure_device_indexes(db: Any) -> None:
    await db[DEVICES].create_index("user_id")


async def register_device(db: Any, user_id: str, subscription_id: str, platform: str) -> None:
    """A subscription belongs to the last user who registered it (devices change hands)."""
    now = datetime.now(UTC)
    await db[DEVICES].update_one(
        {"_id": subscription_id},
        {
            "$set": {"user_id": user_id, "platform": platform, "updated_at": now},
            "$setOnInsert": {"created_at": now},
        },
        upsert=True,
    )


async def remove_device(db: Any, user_id: str, subscription_id: str) -> bool:
    """Forget one of the user's subscriptions (they signed out on that device). Pushes stop
    at once: each push job reads the devices when it runs. False when the user has no such
    device, whether nobody has it or someone else does (it moved to their account)."""
    result = await db[DEVICES].delete_one({"_id": subscription_id, "user_id": user_id})
    return bool(result.deleted_count)


def subscriptions_of(db: Any, user_id: str) -> list[str]:
    """With a blocking (pymongo) database, as the push actor uses."""
    return [doc["_id"] for doc in db[DEVICES].find({"user_id": user_id}, {"_id": 1})]


def remove_subscriptions(db: Any, subscription_ids: list[str]) -> int:
    """Forget subscriptions the push service reported as invalid (blocking, as above)."""
    if not subscription_ids:
        return 0
    result = db[DEVICES].delete_many({"_id": {"$in": [str(s) for s in subscription_ids]}})
    return int(result.deleted_count)
