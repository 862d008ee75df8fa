"""Where profiles and photos are stored: one document per user, keyed by the user id."""

from __future__ import annotations

from typing import Any

from domain.shared.matching import fold

PATIENT_PROFILES = "patient_profiles"
DOCTOR_PROFILES = "doctor_profiles"
PHOTOS = "photos"

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    # Doctor search prefilters on these (a bounding box on lat/lng, then exact distance).
    DOCTOR_PROFILES: [[("lat", 1)], [("lng", 1)], [("city_key", 1)]],
    PHOTOS: [[("user_id", 1)]],
}


def city_key(city: str | None) -> str | None:
    """The clinic's city as search compares it (`domain/shared/matching.py`); none without
    a city."""
    return fold(city or "") or None


def collection_for(role: str) -> str:
    return DOCTOR_PROFILES if role == "doctor" else PATIENT_PROFILES


async def load(db: Any, role: str, user_id: str) -> dict[str, Any]:
    return await db[collection_for(role)].find_one({"_id": user_id}) or {"_id": user_id}


async def load_many(db: Any, collection: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
    return {doc["_id"]: doc async for doc in db[collection].find({"_id": {"$in": user_ids}})}


async def swap_photo(db: Any, role: str, user_id: str, photo_id: str) -> str | None:
    """Put `photo_id` on the profile and return the photo it replaces, in one step: two
    uploads at once each learn a different predecessor, so none is left behind."""
    before = await db[collection_for(role)].find_one_and_update(
        {"_id": user_id}, {"$set": {"photo_id": photo_id}}, upsert=True
    )
    previous = (before or {}).get("photo_id")
    return str(previous) if previous and previous != photo_id else None


async def photo_in_use(db: Any, user_id: str, photo_id: str) -> bool:
    for collection in (PATIENT_PROFILES, DOCTOR_PROFILES):
        if await db[collection].find_one({"_id": user_id, "photo_id": photo_id}, {"_id": 1}):
            return True
    return False


async def save(db: Any, role: str, user_id: str, changes: dict[str, Any]) -> None:
    if changes:
        await db[collection_for(role)].update_one({"_id": user_id}, {"$set": changes}, upsert=True)
