"""Contact details of a recipient, read from the accounts' `users` collection."""

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


def email_of(db: Any, user_id: str) -> str | None:
    """With a blocking (pymongo) database, as the delivery actors use."""
    user = db["users"].find_one(
        {"_id": {"$in": _id_candidates(user_id)}}, {"email": 1, "active": 1}
    )
    if not user or user.get("active") is False:  # deactivated accounts get no mail
        return None
    return user.get("email")
