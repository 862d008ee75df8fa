"""The doctor's cancellation notice: how late a patient may still cancel.

The notice is the one the doctor's availability stated when the appointment was booked,
kept on the appointment: a patient is held to the terms they booked under, not to a
notice the doctor lengthened afterwards; without one, a patient cancels up to the start.
Doctors cancel at any time (they then owe the patient an explanation, not a deadline).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.scheduling.rules import Availability
from domain.shared.clock import as_utc, iso_z
from domain.shared.errors import Conflict

NOTICE = "cancellation_notice_hours"


def booking_terms(availability: Availability) -> dict[str, Any]:
    """What a new appointment keeps of its doctor's terms."""
    hours = availability.cancellation_notice_hours
    return {NOTICE: hours} if hours else {}


def deadline(doc: dict[str, Any]) -> datetime | None:
    """The last instant the patient may cancel, or None when up to the start."""
    hours = int(doc.get(NOTICE) or 0)
    return as_utc(doc["start"]) - timedelta(hours=hours) if hours else None


def check_patient_may_cancel(doc: dict[str, Any], now: datetime) -> None:
    last = deadline(doc)
    if last is not None and now > last:
        raise Conflict(
            f"this doctor asks for {doc[NOTICE]} hours' notice: cancellations were possible "
            f"until {iso_z(last)}; contact the doctor"
        )
    # Without a notice, up to the start: a visit that began (or is over) is not undone.
    start = as_utc(doc["start"])
    if now >= start:
        raise Conflict(
            f"the appointment started at {iso_z(start)}: it can no longer be cancelled; "
            "contact the doctor"
        )
