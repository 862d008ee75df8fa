"""Every successful read of a patient's data leaves a `record.accessed` event (audit.access).

The event goes through the outbox like any other, so a read is audited even if the process
dies right after answering; the audit processor turns it into an audit record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.events import Actor, Event, EventContext, EventType, Subject, new_event, publish


def _access_event(
    caller: Actor,
    subject_type: str,
    subject_id: str,
    patient_id: str,
    context: EventContext | None,
    data: dict[str, Any],
) -> Event:
    return new_event(
        EventType.RECORD_ACCESSED,
        actor=caller,
        subject=Subject(type=subject_type, id=subject_id),
        patient_id=patient_id,
        data={"patient_id": patient_id, **{k: v for k, v in data.items() if v is not None}},
        context=context,
    )


async def record_access(
    db: Any,
    caller: Actor,
    *,
    subject_type: str,
    subject_id: str,
    patient_id: str,
    context: EventContext | None = None,
    **data: Any,
) -> None:
    await publish(db, _access_event(caller, subject_type, subject_id, patient_id, context, data))


async def record_read(
    db: Any,
    caller: Actor,
    subject_type: str,
    doc: dict[str, Any],
    context: EventContext | None = None,
    **data: Any,
) -> None:
    """A read of one stored record: its `_id` and `patient_id` say what was read and whose."""
    await record_access(
        db,
        caller,
        subject_type=subject_type,
        subject_id=str(doc["_id"]),
        patient_id=str(doc["patient_id"]),
        context=context,
        **data,
    )


async def record_patient_read(
    db: Any, caller: Actor, patient_id: str, view: str, context: EventContext | None = None
) -> None:
    """A read of several records of one patient at once (a list, the timeline, an export)."""
    await record_patients_read(db, caller, (patient_id,), view, context)


async def record_patients_read(
    db: Any,
    caller: Actor,
    patient_ids: Iterable[str],
    view: str,
    context: EventContext | None = None,
) -> None:
    """A list page holding records of several patients: one read per patient, not per row,
    written to the outbox together (a doctor's page of twenty patients is one write, not
    twenty in turn). Sorted, so the events come out in the same order every time."""
    events = [
        _access_event(caller, "patient", patient_id, patient_id, context, {"view": view})
        for patient_id in sorted(set(patient_ids))
    ]
    await publish(db, *events)
