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
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.scheduling.rules import Availability
from domain.shared.clock import iso_z

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"start": iso_z(self.start), "end": iso_z(self.end)}


def local_to_utc(day: date, wall: Any, availability: Availability) -> datetime:
    """The instant of a wall time of the doctor's day. An ambiguous one (the fall-back
    hour) is its first occurrence (fold=0). One that never happens (the spring-forward gap)
    is the instant the clocks jump: a rule ending at 02:30 in Paris that day ends at 03:00,
    one starting then starts at 03:00. (zoneinfo alone would read 02:30 with the offset
    before the jump, an instant shown as 03:30: an hour too many at the end, one slot lost
    at the start.)"""
    local = datetime.combine(day, wall, tzinfo=availability.zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(availability.zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return moment
    return _jump_before(moment, availability)


def _jump_before(after: datetime, availability: Availability) -> datetime:
    """The instant the zone's offset last changed before `after` (within a day): found by
    halving, to the second, as zones change on whole seconds."""
    offset = after.astimezone(availability.zone).utcoffset()
    before = after - timedelta(days=1)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(availability.zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


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
