"""Use cases: set availability, add time off, list free slots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bson import ObjectId

from domain.scheduling import repository
from domain.scheduling.rules import Availability, parse_availability, parse_time_off
from domain.scheduling.slots import Slot, compute_slots
from domain.shared.clock import iso_z, utcnow
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.parsing import LATEST, check_date_range

MAX_RANGE_DAYS = 31
DEFAULT_RANGE_DAYS = 7


async def set_availability(db: Any, doctor_id: str, body: dict[str, Any]) -> Availability:
    availability = parse_availability(doctor_id, body)
    await repository.save_availability(db, availability)
    return availability


async def get_availability(db: Any, doctor_id: str) -> dict[str, Any]:
    availability = await repository.load_availability(db, doctor_id)
    if availability is None:
        return {"timezone": None, "slot_minutes": None, "weekly": []}
    return availability.as_dict()


def _time_off_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "doctor_id": doc["doctor_id"],
        "start": iso_z(doc["start"]),
        "end": iso_z(doc["end"]),
        "reason": doc.get("reason"),
    }


async def add_time_off(db: Any, doctor_id: str, body: dict[str, Any]) -> dict[str, Any]:
    period = parse_time_off(body)
    if period.end <= utcnow():  # it would change nothing, and never be listed
        raise InvalidInput("is in the past: that time off is over", field="end")
    return _time_off_view(await repository.add_time_off(db, doctor_id, period))


async def upcoming_time_off(
    db: Any, doctor_id: str, *, page: int, page_size: int
) -> dict[str, Any]:
    """A page of the time off not over yet, soonest first, in the API's list shape."""
    skip = (page - 1) * page_size
    found, total = await repository.list_time_off(db, doctor_id, utcnow(), skip, page_size)
    items = [_time_off_view(doc) for doc in found]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


async def remove_time_off(db: Any, doctor_id: str, time_off_id: str) -> None:
    if not ObjectId.is_valid(time_off_id) or not await repository.delete_time_off(
        db, doctor_id, ObjectId(time_off_id)
    ):
        raise NotFound("time off not found")


def check_range(first: date, last: date) -> None:
    check_date_range(first, "from")
    check_date_range(last, "to")
    if last < first:
        raise InvalidInput("must not be before from", field="to")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"a range covers at most {MAX_RANGE_DAYS} days", field="to")


def utc_bounds(availability: Availability, first: date, last: date) -> tuple[datetime, datetime]:
    """A UTC interval surely covering local dates first..last in the doctor's zone."""
    zone = availability.zone
    start = datetime.combine(first, time(), tzinfo=zone) - timedelta(hours=1)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) + timedelta(hours=1)
    return start, end


async def free_slots_for(
    db: Any, availabilities: list[Availability], first: date, last: date, now: datetime
) -> dict[str, list[Slot]]:
    """Free slots of several doctors at once (one query per collection, not per doctor)."""
    if not availabilities:
        return {}
    bounds = [utc_bounds(a, first, last) for a in availabilities]
    busy = await repository.busy_intervals(
        db,
        [a.doctor_id for a in availabilities],
        min(b[0] for b in bounds),
        max(b[1] for b in bounds),
    )
    return {
        a.doctor_id: compute_slots(a, first, last, now=now, busy=busy.get(a.doctor_id, []))
        for a in availabilities
    }


async def free_slots(
    db: Any,
    doctor_id: str,
    first: date | None,
    last: date | None,
    *,
    now: datetime | None = None,
) -> list[Slot]:
    """Free slots for local dates `first`..`last`: by default from the doctor's today (not
    the UTC date, which is already tomorrow for a doctor west of Greenwich in the evening:
    their remaining slots of the day were left out) and for a week."""
    now = now or utcnow()
    availability = await repository.load_availability(db, doctor_id)
    today = now.astimezone(availability.zone).date() if availability else now.date()
    first = check_date_range(first or today, "from")
    last = last or min(first + timedelta(days=DEFAULT_RANGE_DAYS - 1), LATEST)
    check_range(first, last)
    if availability is None:
        return []
    found = await free_slots_for(db, [availability], first, last, now)
    return found[doctor_id]


async def doctors_free_on(db: Any, doctor_ids: list[str], day: date) -> set[str]:
    """Those of `doctor_ids` with at least one free slot on local date `day`."""
    availabilities = await repository.load_availabilities(db, doctor_ids)
    found = await free_slots_for(db, list(availabilities.values()), day, day, utcnow())
    return {doctor_id for doctor_id, slots in found.items() if slots}
