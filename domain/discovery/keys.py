"""The folded keys doctor search matches on, for what was stored before them.

Each account carries `first_name_key` and `last_name_key` beside its names, and each doctor
profile `city_key` beside its clinic's city, all folded by `domain/shared/matching.py`;
they are written with the names (`User.to_doc`) and the clinic (`update_profile`).
Accounts stored before had none, and profiles a city key that was only casefolded
("gabès"), so search found them only as typed with their accents. They are rewritten once,
when a web process starts (`domain/indexes.py`), and the run is recorded. A change to
`fold` must bump `DONE_ID`, so that the next start rewrites every key again.

One written by a web process of the previous release during a rolling deploy keeps the old
shape and is not found by name or city until the next version of this rewrite.
"""

from __future__ import annotations

from typing import Any

from domain.accounts.models import name_keys
from domain.accounts.repository import USERS
from domain.profiles.repository import DOCTOR_PROFILES, city_key
from domain.shared.migrations import run_once

DONE_ID = "discovery.search_keys.v1"


async def fold_old_keys(db: Any) -> None:
    await run_once(db, DONE_ID, _fold_all)


async def _fold_all(db: Any) -> None:
    names = {"first_name": 1, "last_name": 1, "first_name_key": 1, "last_name_key": 1}
    async for doc in db[USERS].find({}, names):
        keys = name_keys(doc.get("first_name"), doc.get("last_name"))
        if any(doc.get(field) != key for field, key in keys.items()):
            # Only while the names are the ones folded here.
            same_names = {field: doc.get(field) for field in ("first_name", "last_name")}
            await db[USERS].update_one({"_id": doc["_id"], **same_names}, {"$set": keys})
    async for doc in db[DOCTOR_PROFILES].find({}, {"clinic": 1, "city_key": 1}):
        city = (doc.get("clinic") or {}).get("city")
        key = city_key(city)
        if doc.get("city_key") != key:
            await db[DOCTOR_PROFILES].update_one(
                {"_id": doc["_id"], "clinic.city": city}, {"$set": {"city_key": key}}
            )
