"""Where profiles and photos are stored: one document per user, keyed by the user id."""

from __future__ import annotations

from typing import Any

PATIENT_PROFILES = "patient_profiles"
DOCTOR_PROFILES = "doctor_profiles"
PHOTOS = "photos"

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    # Doctor search prefilters on these (a bounding box on lat/lng, then exact distance).
    DOCTOR_PROFILES: [[("lat", 1)], [("lng", 1)], [("city_key", 1)]],
    PHOTOS: [[("user_id", 1)]],
}


def collection_for(role: str) -> str:
    return DOCTOR_PROFILES if role == "doctor" else PATIENT_PROFILES


async def load(db: Any, role: str, user_id: str) -> dict[str, Any]:
    return await db[collection_for(role)].find_one({"_id": user_id}) or {"_id": user_id}


async def load_many(db: Any, collection: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
    return {doc["_id"]: doc async for doc in db[collection].find({"_id": {"$in": user_ids}})}


async def save(db: Any, role: str, user_id: str, changes: dict[str, Any]) -> None:
    if changes:
        await db[collection_for(role)].update_one({"_id": user_id}, {"$set": changes}, upsert=True)
