"""Loading one record for a caller: missing and not-yours are the same 404."""

from __future__ import annotations

from typing import Any

from domain.care.relationship import require_patient_access
from domain.events import Actor
from domain.records.collections import find_by_id
from domain.shared.errors import Forbidden, NotFound


async def visible_record(
    db: Any, caller: Actor, collection: str, record_id: str, what: str
) -> dict[str, Any]:
    doc = await find_by_id(db, collection, record_id)
    if doc is None:
        raise NotFound(f"{what} not found")
    await require_patient_access(db, caller, str(doc["patient_id"]), what=what)
    return doc


def require_owner(doc: dict[str, Any], caller: Actor, field: str, what: str) -> None:
    """Only the record's author changes it; others who may read it are told so (403)."""
    if caller.id is None or doc.get(field) != caller.id:
        raise Forbidden(f"only the author of this {what} may change it")
