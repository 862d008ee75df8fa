"""Who a delivery goes to, read from the accounts' `users` collection."""

from __future__ import annotations

import contextlib
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId


def _id_candidates(user_id: str) -> list[Any]:
    # Accounts may key users by ObjectId or by its hex string; accept both.
    candidates: list[Any] = [user_id]
    with contextlib.suppress(InvalidId, TypeError):
        candidates.insert(0, ObjectId(user_id))
    return candidates


def deliverable(user: dict[str, Any] | None) -> bool:
    """Whether email and push may still reach this account: it exists and is not
    deactivated. Tested by truthiness, never `is False`: the embedded store reads a boolean
    written by `$set` (as a deactivation writes it) back as 0."""
    return bool(user) and bool((user or {}).get("active", True))


def recipient_of(db: Any, user_id: str) -> dict[str, Any] | None:
    """The account (`email`, `active`) when it may be delivered to, else None. With a
    blocking (pymongo) database, as the delivery actors use."""
    user = db["users"].find_one(
        {"_id": {"$in": _id_candidates(user_id)}}, {"email": 1, "active": 1}
    )
    return user if deliverable(user) else None
