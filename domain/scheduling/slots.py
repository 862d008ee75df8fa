"""Free slots: pure computation from availability, busy intervals and the current time.

Each weekly rule is turned into a window of real (UTC) time for every local date it
applies to, then cut into slots of `slot_minutes` of elapsed time. Working in UTC after
the local-to-UTC conversion is what keeps daylight-saving days right: on the spring-forward
day a 01:00-04:00 window holds two hours of slots, on the fall-back day four.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.scheduling.rules import Availability
from domain.shared.clock import first_instant_showing, iso_z

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"start": iso_z(self.start), "end": iso_z(self.end)}


def local_to_utc(day: date, wall: Any, availability: Availability) -> datetime:
    """A rule's wall time on the doctor's day as an instant: one the clocks skip (02:30 in
    Paris on the spring-forward day) is the instant they jump, so a rule ending then ends
    at 03:00 and one starting then starts at 03:00; a repeated one is its first occurrence."""
    return first_instant_showing(day, wall, availability.zone)


def schedule_slots(availability: Availability, first: date, last: date) -> list[Slot]:
    """Every slot the weekly rules give for local dates `first`..`last` (inclusive)."""
    step = timedelta(minutes=availability.slot_minutes)
    slots: list[Slot] = []
    day = first
    while day <= last:
        for rule in availability.weekly:
            if rule.weekday != day.weekday():
                continue
            cursor = local_to_utc(day, rule.start, availability)
            window_end = local_to_utc(day, rule.end, availability)
            while cursor + step <= window_end:
                slots.append(Slot(cursor, cursor + step))
                cursor += step
        day += timedelta(days=1)
    slots.sort()
    return slots


def overlaps(slot: Slot, busy: Interval) -> bool:
    return slot.start < busy[1] and busy[0] < slot.end


def compute_slots(
    availability: Availability,
    first: date,
    last: date,
    *,
    now: datetime,
    busy: Iterable[Interval] = (),
) -> list[Slot]:
    """Free slots for local dates `first`..`last`: not started yet, clear of every busy
    interval (held appointments, time off)."""
    blocked = sorted(busy)
    starts = [interval[0] for interval in blocked]
    # reach[k]: the latest end among the first k+1 intervals by start. A slot is blocked when
    # one of the intervals starting before it ends runs past its start, so one bisection per
    # slot decides instead of a scan of every interval (a booked-up week holds hundreds).
    reach = list(itertools.accumulate((interval[1] for interval in blocked), max))
    free: list[Slot] = []
    for slot in schedule_slots(availability, first, last):
        if slot.start <= now:
            continue
        before_end = bisect.bisect_left(starts, slot.end)
        if before_end and reach[before_end - 1] > slot.start:
            continue
        free.append(slot)
    return free


def find_slot(availability: Availability, start: datetime) -> Slot | None:
    """The schedule slot beginning exactly at `start` (UTC), if the rules give one."""
    local_day = start.astimezone(availability.zone).date()
    # The slot's local date may differ from the UTC date; one day either side covers it.
    for slot in schedule_slots(
        availability, local_day - timedelta(days=1), local_day + timedelta(days=1)
    ):
        if slot.start == start:
            return slot
    return None
