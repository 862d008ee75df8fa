"""Medical record events. `data` always names patient_id and doctor_id (who to notify)."""

from __future__ import annotations

from typing import Any

from domain.events import Actor, Event, EventContext, Subject, new_event


def record_event(
    event_type: str,
    caller: Actor,
    subject_type: str,
    doc: dict[str, Any],
    context: EventContext | None = None,
    **data: Any,
) -> Event:
    return new_event(
        event_type,
        actor=caller,
        subject=Subject(type=subject_type, id=str(doc["_id"])),
        patient_id=doc["patient_id"],
        data={
            "patient_id": doc["patient_id"],
            "doctor_id": doc.get("doctor_id"),
            **{k: v for k, v in data.items() if v is not None},
        },
        context=context,
    )
