"""Appointment events in the platform envelope.

`data` carries patient_id, doctor_id and start so that the notifications processor can tell
the other party without reading the appointment back.
"""

from __future__ import annotations

from typing import Any

from domain.appointments.states import Status
from domain.events import Actor, Event, EventContext, EventType, Subject, new_event
from domain.shared.clock import iso_z

_TYPE_BY_STATUS = {
    Status.REQUESTED: EventType.APPOINTMENT_REQUESTED,
    Status.CONFIRMED: EventType.APPOINTMENT_CONFIRMED,
    Status.REJECTED: EventType.APPOINTMENT_REJECTED,
    Status.CANCELLED: EventType.APPOINTMENT_CANCELLED,
    Status.COMPLETED: EventType.APPOINTMENT_COMPLETED,
}


def event_data(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "appointment_id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "doctor_id": doc["doctor_id"],
        "start": iso_z(doc["start"]),
        "end": iso_z(doc["end"]),
        "status": doc["status"],
        "mode": doc.get("mode"),
    }


def appointment_event(
    doc: dict[str, Any],
    actor: Actor,
    *,
    type_: str | None = None,
    context: EventContext | None = None,
    **extra: Any,
) -> Event:
    return new_event(
        type_ or _TYPE_BY_STATUS[Status(doc["status"])],
        actor=actor,
        subject=Subject(type="appointment", id=str(doc["_id"])),
        patient_id=doc["patient_id"],
        data={**event_data(doc), **{k: v for k, v in extra.items() if v is not None}},
        context=context,
    )
