"""The history of a consultation's amendable fields: one version per state, oldest = 1.

A PATCH replaces the complaint, diagnosis or vitals in place, so each state is also kept as
a document of its own (written in the same transaction as the change, as prescriptions
do), and the care team and the patient can see what a consultation said before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.events import Actor, EventContext
from domain.records.access import visible_record
from domain.records.access_audit import record_read
from domain.records.collections import CONSULTATION_VERSIONS, CONSULTATIONS
from domain.records.paging import paged
from domain.shared.clock import iso_z

VERSIONED = ("chief_complaint", "diagnosis", "vitals")


def new_version(doc: dict[str, Any], changed_by: str, at: datetime) -> dict[str, Any]:
    """The consultation `doc` as it now reads, as version `doc["version"]`."""
    return {
        "_id": ObjectId(),
        "consultation_id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "version": doc["version"],
        **{field: doc.get(field) for field in VERSIONED},
        "changed_by": changed_by,
        "changed_at": at,
    }


def version_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": doc["version"],
        "chief_complaint": doc["chief_complaint"],
        "diagnosis": doc.get("diagnosis"),
        "vitals": doc.get("vitals") or {},
        "changed_by": doc["changed_by"],
        "changed_at": iso_z(doc["changed_at"]),
    }


def _original(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 of a consultation made before versions were kept, as it reads now."""
    return new_version({**doc, "version": 1}, doc["doctor_id"], doc["created_at"])


def next_version(before: dict[str, Any]) -> int:
    return int(before.get("version", 1)) + 1


async def write_versions(
    db: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    caller: Actor,
    at: datetime,
    session: Any,
) -> None:
    """Inside the change's transaction: the new state, and first the original one when the
    consultation predates versions (so its first amendment does not lose what it said)."""
    if "version" not in before:
        await db[CONSULTATION_VERSIONS].insert_one(_original(before), session=session)
    await db[CONSULTATION_VERSIONS].insert_one(
        new_version(after, str(caller.id), at), session=session
    )


async def consultation_versions(
    db: Any,
    caller: Actor,
    consultation_id: str,
    *,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """A page of a consultation's versions, newest first (care team, the patient); audited."""
    doc = await visible_record(db, caller, CONSULTATIONS, consultation_id, "consultation")
    if "version" in doc:
        result = await paged(
            db[CONSULTATION_VERSIONS],
            {"consultation_id": consultation_id},
            page=page,
            page_size=page_size,
            view=version_view,
            sort_field="version",
        )
    else:  # made before versions were kept and never amended since: it is its version 1
        first = [version_view(_original(doc))] if page == 1 else []
        result = {"items": first, "total": 1, "page": page, "page_size": page_size}
    await record_read(db, caller, "consultation", doc, context, view="versions")
    return result
