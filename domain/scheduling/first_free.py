"""The first free slot of many doctors at once, for search ordered by availability.

Free means what `GET /doctors/{id}/slots` offers (`free_slots_for`). The search widens a
window of local dates over the doctors still without a slot, two days first, then twice as
long each round: a doctor free tomorrow costs one round, one booked up for the whole horizon
five rounds for sixty days, and each round is one query per collection for every doctor
still searched, whatever their number.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.scheduling import repository
from domain.scheduling.service import free_slots_for
from domain.scheduling.slots import Slot

FIRST_WINDOW_DAYS = 2


async def first_free_slots(
    db: Any, doctor_ids: list[str], *, now: datetime, horizon_days: int
) -> dict[str, Slot]:
    """Each doctor's first free slot on a local date up to `horizon_days` after today (UTC);
    doctors with none are left out."""
    availabilities = await repository.load_availabilities(db, doctor_ids)
    pending = [a for a in availabilities.values() if a.weekly]
    found: dict[str, Slot] = {}
    # West of UTC the local date is still yesterday, and yesterday's evening slots may not
    # have started yet; slots already started are dropped by free_slots_for.
    first = now.date() - timedelta(days=1)
    horizon = now.date() + timedelta(days=horizon_days)
    span = FIRST_WINDOW_DAYS
    while pending and first <= horizon:
        last = min(first + timedelta(days=span - 1), horizon)
        for doctor_id, free in (await free_slots_for(db, pending, first, last, now)).items():
            if free:
                found[doctor_id] = free[0]
        pending = [a for a in pending if a.doctor_id not in found]
        first, span = last + timedelta(days=1), span * 2
    return found
