"""Referral events in the platform envelope.

`data` names the patient and both doctors, which is all the notifications processor needs
to tell each of them; free-text reasons and notes stay out of events.
"""

from __future__ import annotations

from typing import Any

from domain.events import Actor, Event, EventContext, Subject, new_event
from domain.referrals.states import EVENT_BY_STATUS, Status


def referral_event(
    doc: dict[str, Any],
    actor: Actor,
    context: EventContext | None = None,
    *,
    event_type: str | None = None,
    **extra: Any,
) -> Event:
    """The event of the referral's move into its current status, unless `event_type` says
    otherwise (a move back, which the status alone does not tell)."""
    data = {
        "referral_id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "from_doctor_id": doc["from_doctor_id"],
        "to_doctor_id": doc["to_doctor_id"],
        "urgency": doc["urgency"],
        "status": doc["status"],
    }
    if doc.get("appointment_id"):
        data["appointment_id"] = doc["appointment_id"]
    data.update(extra)
    return new_event(
        event_type or EVENT_BY_STATUS[Status(doc["status"])],
        actor=actor,
        subject=Subject(type="referral", id=str(doc["_id"])),
        patient_id=doc["patient_id"],
        data=data,
        context=context,
    )
