"""The public shape of a referral."""

from __future__ import annotations

from typing import Any

from domain.shared.clock import iso_z

_OPTIONAL = ("consultation_id", "notes", "decline_reason", "appointment_id")
_MOMENTS = ("accepted_at", "declined_at", "booked_at")


def referral_view(doc: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "from_doctor_id": doc["from_doctor_id"],
        "to_doctor_id": doc["to_doctor_id"],
        "reason": doc["reason"],
        "urgency": doc["urgency"],
        "status": doc["status"],
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }
    for name in _OPTIONAL:
        view[name] = doc.get(name)
    for name in _MOMENTS:
        view[name] = iso_z(doc[name]) if doc.get(name) else None
    return view
