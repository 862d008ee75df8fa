"""Who sees which appointment: its patient, its doctor, an admin. Anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from domain.appointments import repository
from domain.events import Actor
from domain.shared.errors import NotFound


def can_see(doc: dict[str, Any], caller: Actor) -> bool:
    if caller.role == "admin":
        return True
    return caller.id is not None and caller.id in (doc["patient_id"], doc["doctor_id"])


async def visible_appointment(db: Any, caller: Actor, appointment_id: str) -> dict[str, Any]:
    doc = await repository.get(db, appointment_id)
    if doc is None or not can_see(doc, caller):
        raise NotFound("appointment not found")
    return doc
