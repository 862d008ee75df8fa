"""The referral life cycle: pending → accepted | declined, accepted → booked, and
booked → accepted again when its appointment is cancelled or rejected (`reopening`)."""

from __future__ import annotations

from enum import StrEnum

from domain.events import EventType


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    BOOKED = "booked"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


EVENT_BY_STATUS = {
    Status.PENDING: EventType.REFERRAL_CREATED,
    Status.ACCEPTED: EventType.REFERRAL_ACCEPTED,
    Status.DECLINED: EventType.REFERRAL_DECLINED,
    Status.BOOKED: EventType.REFERRAL_BOOKED,
}
