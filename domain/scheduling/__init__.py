"""Doctors' availability (weekly rules in their time zone, slot length, time off) and the
free slots that follow from it."""

from domain.scheduling.rules import Availability, TimeOff, WeeklyRule, parse_availability
from domain.scheduling.slots import Slot, compute_slots

__all__ = [
    "Availability",
    "Slot",
    "TimeOff",
    "WeeklyRule",
    "compute_slots",
    "parse_availability",
]
