"""The `users` collection."""

from __future__ import annotations

import re
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from domain.accounts.emails import normalize_email
from domain.accounts.models import User
from domain.accounts.roles import Role
from domain.shared.matching import folded_words

USERS = "users"


def names_containing(text: str) -> dict[str, Any]:
    """Accounts whose first or last name holds every word of `text`, whatever its case,
    accents and Unicode form (the folded name keys, `domain/shared/matching.py`); text with
    no letter or digit in it is in no one's name."""
    # String patterns, not compiled ones: the embedded store ignores those. Keys are letters
    # and digits, but whatever is typed stays text to find, never a pattern.
    within = [{"$regex": re.escape(word)} for word in folded_words(text)]
    words = [{"$or": [{"first_name_key": w}, {"last_name_key": w}]} for w in within]
    # Always under `$and`, so that a caller may still narrow `_id` beside it.
    return {"$and": words or [{"_id": {"$in": []}}]}


def _oid(user_id: str) -> ObjectId | None:
    try:
        return ObjectId(user_id)
    except (InvalidId, TypeError):
        return None


async def insert_user(db: Any, user: User, *, session: Any = None) -> None:
    """Raises pymongo's DuplicateKeyError when the email is taken."""
    await db[USERS].insert_one(user.to_doc(), session=session)


async def get_user(db: Any, user_id: str, *, session: Any = None) -> User | None:
    oid = _oid(user_id)
    if oid is None:
        return None
    doc = await db[USERS].find_one({"_id": oid}, session=session)
    return User.from_doc(doc) if doc else None


async def get_patient(db: Any, patient_id: str) -> User | None:
    """The account if it is a patient's; None for a missing id or anyone else's."""
    user = await get_user(db, patient_id)
    return user if user is not None and user.role is Role.PATIENT else None


async def find_by_email(db: Any, email: str, *, session: Any = None) -> User | None:
    doc = await db[USERS].find_one({"email": normalize_email(email)}, session=session)
    return User.from_doc(doc) if doc else None


async def update_user(
    db: Any, user_id: str, changes: dict[str, Any], *, session: Any = None
) -> None:
    await db[USERS].update_one({"_id": ObjectId(user_id)}, {"$set": changes}, session=session)


async def bump_token_version(
    db: Any, user_id: str, changes: dict[str, Any], *, session: Any = None
) -> int:
    """Apply `changes` and raise the token version; returns the new version."""
    doc = await db[USERS].find_one_and_update(
        {"_id": ObjectId(user_id)},
        {"$set": changes, "$inc": {"token_version": 1}},
        projection={"token_version": 1},
        return_document=True,
        session=session,
    )
    return int(doc["token_version"]) if doc else 0
