"""The appointment life cycle; any transition not listed here is a conflict."""

from __future__ import annotations

from enum import StrEnum

from domain.events import EventType


class Status(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Transition(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    CANCEL = "cancel"
    COMPLETE = "complete"


# transition -> (statuses it starts from, status it leads to, who may ask, event)
RULES: dict[Transition, tuple[frozenset[Status], Status, frozenset[str], EventType]] = {
    Transition.CONFIRM: (
        frozenset({Status.REQUESTED}),
        Status.CONFIRMED,
        frozenset({"doctor"}),
        EventType.APPOINTMENT_CONFIRMED,
    ),
    Transition.REJECT: (
        frozenset({Status.REQUESTED}),
        Status.REJECTED,
        frozenset({"doctor"}),
        EventType.APPOINTMENT_REJECTED,
    ),
    Transition.CANCEL: (
        frozenset({Status.REQUESTED, Status.CONFIRMED}),
        Status.CANCELLED,
        frozenset({"doctor", "patient"}),
        EventType.APPOINTMENT_CANCELLED,
    ),
    Transition.COMPLETE: (
        frozenset({Status.CONFIRMED}),
        Status.COMPLETED,
        frozenset({"doctor"}),
        EventType.APPOINTMENT_COMPLETED,
    ),
}

# Statuses in which the appointment keeps its slot held.
HOLDING = frozenset({Status.REQUESTED, Status.CONFIRMED})
# A transition into one of these gives the slot back.
RELEASING = frozenset({Status.REJECTED, Status.CANCELLED})
