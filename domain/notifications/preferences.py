"""Per-user channel preferences, with defaults for anyone who never changed them, and the
quiet hours during which email and push wait (none unless the user sets them)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from domain.notifications.models import (
    CATEGORIES,
    CHANNELS,
    NOTIFICATIONS,
    PENDING,
    PREFERENCE_OFF,
    PREFERENCES,
    SKIPPED,
)
from domain.notifications.quiet_hours import FIELD as QUIET_HOURS
from domain.notifications.quiet_hours import QuietHours, quiet_hours_from

# Chat messages are frequent: push by default, email off. Everything else on both.
DEFAULTS: dict[str, dict[str, bool]] = {
    "email": {category: category != "messages" for category in CATEGORIES},
    "push": dict.fromkeys(CATEGORIES, True),
}


class _Keep(Enum):
    KEEP = "keep"


# Leaves the stored quiet hours as they are (None removes them).
KEEP = _Keep.KEEP
QuietHoursChange = QuietHours | Literal[_Keep.KEEP] | None


def merged(stored: dict[str, Any] | None) -> dict[str, dict[str, bool]]:
    result = {channel: dict(DEFAULTS[channel]) for channel in CHANNELS}
    for channel in CHANNELS:
        for category, enabled in ((stored or {}).get(channel) or {}).items():
            if category in result[channel]:
                result[channel][category] = bool(enabled)
    return result


def preferences_view(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The switches per channel and category, and the quiet hours or None."""
    window = quiet_hours_from(stored)
    return {**merged(stored), QUIET_HOURS: window.as_dict() if window else None}


async def stored_preferences(db: Any, user_id: str) -> dict[str, Any] | None:
    return await db[PREFERENCES].find_one({"_id": user_id})


async def get_preferences(db: Any, user_id: str) -> dict[str, Any]:
    return preferences_view(await stored_preferences(db, user_id))


async def update_preferences(
    db: Any,
    user_id: str,
    changes: dict[str, dict[str, bool]],
    quiet_hours: QuietHoursChange = KEEP,
) -> dict[str, Any]:
    """Apply the given channel/category switches (unknown names are ignored) and set or
    remove the quiet hours; whatever is not mentioned keeps its value."""
    updates: dict[str, Any] = {
        f"{channel}.{category}": bool(enabled)
        for channel, categories in changes.items()
        if channel in CHANNELS
        for category, enabled in (categories or {}).items()
        if category in CATEGORIES
    }
    operations: dict[str, Any] = {}
    if isinstance(quiet_hours, QuietHours):
        updates[QUIET_HOURS] = quiet_hours.as_dict()
    elif quiet_hours is None:
        operations["$unset"] = {QUIET_HOURS: ""}
    if updates:
        operations["$set"] = updates
    if operations:
        await db[PREFERENCES].update_one({"_id": user_id}, operations, upsert=True)
    await _skip_switched_off(db, user_id, changes)
    return await get_preferences(db, user_id)


async def _skip_switched_off(db: Any, user_id: str, changes: dict[str, dict[str, bool]]) -> None:
    """A switch turned off holds for what still waits to go, too (held for quiet hours, or
    queued behind a backlog): those deliveries end `skipped` now, and their jobs find
    nothing to do. Done here, once per change, rather than by a preference read in every
    delivery job; a delivery already being sent goes out."""
    for channel in CHANNELS:
        switches = changes.get(channel) or {}
        off = [category for category, on in switches.items() if category in CATEGORIES and not on]
        if off:
            status = f"{channel}_status"
            await db[NOTIFICATIONS].update_many(
                {"user_id": user_id, "category": {"$in": off}, status: PENDING},
                {"$set": {status: SKIPPED, f"{channel}_reason": PREFERENCE_OFF}},
            )


def preferences_now(db: Any, user_id: str) -> dict[str, Any] | None:
    """As stored (None: the defaults). With a blocking (pymongo) database, as the delivery
    actors use."""
    return db[PREFERENCES].find_one({"_id": user_id})


def wants(preferences: dict[str, Any], channel: str, category: str) -> bool:
    return bool(preferences.get(channel, {}).get(category, False))
