"""Where medical records are stored, and the id parsing every records query shares."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from domain.care.relationship import CONSULTATIONS
from domain.records.prescription_lock import PRESCRIPTIONS

NOTES = "consultation_notes"  # notes are documents of their own: append-only, never $push'ed
PRESCRIPTION_VERSIONS = "prescription_versions"
CONSULTATION_VERSIONS = "consultation_versions"
PRESCRIPTION_ADDENDA = "prescription_addenda"  # append-only, like the notes
DOCUMENTS = "documents"

__all__ = [
    "CONSULTATIONS",
    "CONSULTATION_VERSIONS",
    "DOCUMENTS",
    "NOTES",
    "PRESCRIPTIONS",
    "PRESCRIPTION_ADDENDA",
    "PRESCRIPTION_VERSIONS",
    "object_id",
]


def object_id(value: Any) -> ObjectId | None:
    """The ObjectId of a path id, or None for anything malformed (which then reads as 404)."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


async def find_by_id(db: Any, collection: str, record_id: str) -> dict[str, Any] | None:
    oid = object_id(record_id)
    if oid is None:
        return None
    return await db[collection].find_one({"_id": oid})
