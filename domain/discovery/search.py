"""Doctor search.

Name and specialty live on the account, clinic and location on the doctor profile. Filters
on the profile (city, distance) narrow the ids first; the account query then applies name
and specialty. With a position, distance is exact (haversine) and sorting and paging happen
here, since no geo operator is assumed from the store.

Names and cities match what is typed whatever its case, accents and Unicode form: the
query is folded (`domain/shared/matching.py`) and compared with the folded keys stored
beside the names on the account and beside the city on the profile.

Sorted by next availability, every matching doctor's first free slot is looked up (in
batched queries, `first_free_slots`) before paging, since the order depends on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from bson import ObjectId

from domain.accounts.repository import USERS, names_containing
from domain.discovery.geo import bounding_box, haversine_km
from domain.profiles import repository as profiles
from domain.profiles.photos import PhotoStore, photo_urls
from domain.profiles.service import doctor_fields
from domain.scheduling.first_free import first_free_slots
from domain.scheduling.service import doctors_free_on
from domain.shared.clock import utcnow
from domain.shared.counting import count_matching
from domain.shared.errors import InvalidInput
from domain.shared.matching import fold
from domain.shared.parsing import check_date_range
from domain.specialties import is_known_specialty

MAX_RADIUS_KM = 20_000.0
SORTS = ("next_available",)

Row = tuple[dict[str, Any], dict[str, Any]]  # (account, doctor profile)


@dataclass(frozen=True)
class DoctorQuery:
    specialty: str | None = None
    q: str | None = None
    city: str | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    available_on: date | None = None
    sort: Literal["next_available"] | None = None
    page: int = 1
    page_size: int = 20

    def check(self) -> None:
        if self.specialty is not None and not is_known_specialty(self.specialty):
            raise InvalidInput("unknown specialty code", field="specialty")
        if (self.lat is None) != (self.lng is None):
            raise InvalidInput(
                "lat and lng go together", field="lat" if self.lat is None else "lng"
            )
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise InvalidInput("must be between -90 and 90", field="lat")
        if self.lng is not None and not -180 <= self.lng <= 180:
            raise InvalidInput("must be between -180 and 180", field="lng")
        if self.radius_km is not None:
            if self.lat is None:
                raise InvalidInput("needs lat and lng", field="radius_km")
            if not 0 < self.radius_km <= MAX_RADIUS_KM:
                raise InvalidInput(
                    f"must be above 0 and at most {MAX_RADIUS_KM:g}", field="radius_km"
                )
        if self.q is not None and len(self.q) > 100:
            raise InvalidInput("at most 100 characters", field="q")
        if self.available_on is not None:
            check_date_range(self.available_on, "available_on")
        if self.sort is not None and self.sort not in SORTS:
            raise InvalidInput(f"unknown sort; one of {', '.join(SORTS)}", field="sort")


def _account_query(query: DoctorQuery) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "role": "doctor",
        "active": {"$ne": False},
        # Only doctors who proved their email (a just-registered one cannot even sign in):
        # User.is_public_doctor, asked of the store.
        # The flag is set by `$set`, which the embedded store keeps as 1: both spellings.
        "email_verified": {"$in": [True, 1]},
    }
    if query.specialty:
        filters["specialty"] = query.specialty
    if query.q and query.q.strip():
        # Every word must appear in the first or the last name ("jane doe", "doe").
        filters.update(names_containing(query.q))
    return filters


def _profile_query(query: DoctorQuery) -> dict[str, Any] | None:
    filters: dict[str, Any] = {}
    if query.city and query.city.strip():
        filters["city_key"] = fold(query.city)
    if query.lat is not None and query.lng is not None and query.radius_km is not None:
        filters.update(bounding_box(query.lat, query.lng, query.radius_km))
    return filters or None


async def search_doctors(
    db: Any,
    store: PhotoStore,
    query: DoctorQuery,
    *,
    next_available_days: int,
) -> dict[str, Any]:
    query.check()
    accounts = _account_query(query)
    profile_filter = _profile_query(query)
    found_profiles: dict[str, dict[str, Any]] | None = None
    if profile_filter is not None:
        found_profiles = {
            doc["_id"]: doc async for doc in db[profiles.DOCTOR_PROFILES].find(profile_filter)
        }
        accounts["_id"] = {"$in": [ObjectId(i) for i in found_profiles if ObjectId.is_valid(i)]}

    order = [("last_name", 1), ("first_name", 1), ("_id", 1)]
    skip = (query.page - 1) * query.page_size
    in_service = query.lat is not None or query.available_on is not None or query.sort is not None
    projection = {"first_name": 1, "last_name": 1, "specialty": 1}
    if in_service:
        users = [doc async for doc in db[USERS].find(accounts, projection).sort(order)]
    else:
        cursor = db[USERS].find(accounts, projection).sort(order).skip(skip).limit(query.page_size)
        users = [doc async for doc in cursor]
    ids = [str(doc["_id"]) for doc in users]
    if found_profiles is None:
        found_profiles = await profiles.load_many(db, profiles.DOCTOR_PROFILES, ids)

    rows = [(doc, found_profiles.get(str(doc["_id"]), {})) for doc in users]
    if query.lat is not None and query.lng is not None:
        rows = _by_distance(rows, query.lat, query.lng, query.radius_km)
    if query.available_on is not None:
        free = await doctors_free_on(db, [str(doc["_id"]) for doc, _ in rows], query.available_on)
        rows = [row for row in rows if str(row[0]["_id"]) in free]
    if query.sort == "next_available":
        rows = await _by_next_available(db, rows, utcnow(), next_available_days)
    if in_service:
        total = len(rows)
        rows = rows[skip : skip + query.page_size]
    else:
        total = await count_matching(db[USERS], accounts)
    urls = await photo_urls(db, store, [profile.get("photo_id") for _, profile in rows])
    items = [_card(doc, profile, urls.get(profile.get("photo_id") or "")) for doc, profile in rows]
    return {"items": items, "total": total, "page": query.page, "page_size": query.page_size}


def _by_distance(rows: list[Row], lat: float, lng: float, radius_km: float | None) -> list[Row]:
    placed: list[tuple[float, int, Row]] = []
    unplaced = []
    for index, (doc, profile) in enumerate(rows):
        if profile.get("lat") is None or profile.get("lng") is None:
            if radius_km is None:
                unplaced.append((doc, {**profile, "distance_km": None}))
            continue
        distance = haversine_km(lat, lng, profile["lat"], profile["lng"])
        if radius_km is not None and distance > radius_km:
            continue
        placed.append((distance, index, (doc, {**profile, "distance_km": round(distance, 3)})))
    placed.sort(key=lambda item: (item[0], item[1]))
    # Doctors who gave no clinic position come last when no radius asks for one.
    return [row for _, _, row in placed] + unplaced


async def _by_next_available(
    db: Any, rows: list[Row], now: datetime, horizon_days: int
) -> list[Row]:
    first = await first_free_slots(
        db, [str(doc["_id"]) for doc, _ in rows], now=now, horizon_days=horizon_days
    )
    slotted = []
    for doc, profile in rows:
        slot = first.get(str(doc["_id"]))
        shown = slot.as_dict() if slot else None
        slotted.append(
            (slot.start if slot else None, (doc, {**profile, "next_available_slot": shown}))
        )
    # A stable sort: equal starts keep the order they came in (nearest first when a position
    # was given, else by name), and doctors with no free slot go last in that same order.
    slotted.sort(key=lambda item: (item[0] is None, item[0] or now))
    return [row for _, row in slotted]


def _card(doc: dict[str, Any], profile: dict[str, Any], photo: str | None) -> dict[str, Any]:
    card = {
        "id": str(doc["_id"]),
        "first_name": doc.get("first_name"),
        "last_name": doc.get("last_name"),
        **doctor_fields(doc.get("specialty"), profile),
        "photo_url": photo,
    }
    if "distance_km" in profile:
        card["distance_km"] = profile["distance_km"]
    if "next_available_slot" in profile:
        card["next_available_slot"] = profile["next_available_slot"]
    return card
