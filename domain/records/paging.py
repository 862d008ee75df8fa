"""Pages of records, newest first, in the contract's list shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.care.relationship import require_patient_access
from domain.events import Actor, EventContext
from domain.records.access_audit import record_patient_read
from domain.shared.errors import InvalidInput
from domain.shared.ids import canonical_id


async def paged(
    collection: Any,
    query: dict[str, Any],
    *,
    page: int,
    page_size: int,
    view: Callable[[dict[str, Any]], dict[str, Any]],
    sort_field: str = "created_at",
) -> dict[str, Any]:
    cursor = (
        collection.find(query)
        .sort([(sort_field, -1), ("_id", -1)])
        .skip((page - 1) * page_size)
        .limit(page_size)
    )
    items = [view(doc) async for doc in cursor]
    total = await collection.count_documents(query)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


async def patient_records_page(
    db: Any,
    caller: Actor,
    patient_id: str | None,
    *,
    collection: str,
    view: Callable[[dict[str, Any]], dict[str, Any]],
    what: str,
    page: int,
    page_size: int,
    context: EventContext | None = None,
    extra_query: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One page of a patient's records of one kind: the patient's own by default, anyone
    else's only inside a care relationship, and the read goes on the audit trail."""
    patient_id = patient_id or (caller.id if caller.role == "patient" else None)
    if not patient_id:
        raise InvalidInput("is required", field="patient_id")
    patient_id = canonical_id(patient_id, "patient")
    await require_patient_access(db, caller, patient_id, what="patient")
    result = await paged(
        db[collection],
        {"patient_id": patient_id, **(extra_query or {})},
        page=page,
        page_size=page_size,
        view=view,
    )
    await record_patient_read(db, caller, patient_id, what, context)
    return result
