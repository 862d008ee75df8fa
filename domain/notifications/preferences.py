"""Per-user channel preferences, with defaults for anyone who never changed them."""

from __future__ import annotations

from typing import Any

from domain.notifications.models import CATEGORIES, CHANNELS, PREFERENCES

# Chat messages are frequent: push by default, email off. Everything else on both.
DEFAULTS: dict[str, dict[str, bool]] = {
    "email": {category: category != "messages" for category in CATEGORIES},
    "push": dict.fromkeys(CATEGORIES, True),
}


def merged(stored: dict[str, Any] | None) -> dict[str, dict[str, bool]]:
    result = {channel: dict(DEFAULTS[channel]) for channel in CHANNELS}
    for channel in CHANNELS:
        for category, enabled in ((stored or {}).get(channel) or {}).items():
            if category in result[channel]:
                result[channel][category] = bool(enabled)
    return result


async def get_preferences(db: Any, user_id: str) -> dict[str, dict[str, bool]]:
    return merged(await db[PREFERENCES].find_one({"_id": user_id}))


async def update_preferences(
    db: Any, user_id: str, changes: dict[str, dict[str, bool]]
) -> dict[str, dict[str, bool]]:
    """Apply the given channel/category switches; unknown names are ignored."""
    updates = {
        f"{channel}.{category}": bool(enabled)
        for channel, categories in changes.items()
        if channel in CHANNELS
        for category, enabled in (categories or {}).items()
        if category in CATEGORIES
    }
    if updates:
        await db[PREFERENCES].update_one({"_id": user_id}, {"$set": updates}, upsert=True)
    return await get_preferences(db, user_id)


def wants(preferences: dict[str, dict[str, bool]], channel: str, category: str) -> bool:
    return preferences.get(channel, {}).get(category, False)
