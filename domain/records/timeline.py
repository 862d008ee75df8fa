"""A patient's timeline: every kind of record, newest first, one page at a time.

Each source is read already sorted and cut at `page * page_size`, then the service merges
them: plain finds that the embedded store and MongoDB both run (no $unionWith), and a page
never needs more than `page * page_size` documents from any one collection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.care.relationship import APPOINTMENTS, REFERRALS, require_patient_access
from domain.events import Actor, EventContext
from domain.records.access_audit import record_patient_read
from domain.records.collections import (
    CONSULTATIONS,
    DOCUMENTS,
    NOTES,
    PRESCRIPTION_ADDENDA,
    PRESCRIPTIONS,
)
from domain.shared.clock import as_utc, iso_z
from domain.shared.errors import InvalidInput
from domain.shared.ids import canonical_id

MAX_DEPTH = 10_000  # page * page_size; deeper pages would read too much of every source
SUMMARY_LENGTH = 140


def _short(text: Any) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _medications(doc: dict[str, Any]) -> str:
    names = [m.get("name", "") for m in doc.get("medications") or [] if isinstance(m, dict)]
    return "Prescription: " + ", ".join(names)


def _referral(doc: dict[str, Any]) -> str:
    return f"Referral ({doc.get('urgency', 'routine')}, {doc.get('status', 'pending')}): " + str(
        doc.get("reason", "")
    )


@dataclass(frozen=True)
class Source:
    type: str
    collection: str
    time_field: str
    summary: Callable[[dict[str, Any]], str]
    extra_query: dict[str, Any] | None = None


SOURCES = (
    Source(
        "consultation",
        CONSULTATIONS,
        "created_at",
        lambda d: "Consultation: " + str(d.get("chief_complaint", "")),
    ),
    Source("note", NOTES, "created_at", lambda d: "Note: " + str(d.get("text", ""))),
    Source("prescription", PRESCRIPTIONS, "created_at", _medications),
    # What a doctor added to a prescription after the fact belongs to the record's story as
    # much as the prescription itself: a locked prescription changes only this way.
    Source(
        "addendum",
        PRESCRIPTION_ADDENDA,
        "created_at",
        lambda d: "Prescription addendum: " + str(d.get("text", "")),
    ),
    Source(
        "document",
        DOCUMENTS,
        "created_at",
        lambda d: f"Document ({d.get('category')}): {d.get('title')}",
        {"deleted": False, "status": {"$ne": "rejected"}},
    ),
    Source("referral", REFERRALS, "created_at", _referral),
    Source(
        "appointment",
        APPOINTMENTS,
        "start",
        lambda d: f"Appointment ({d.get('status')}): " + str(d.get("reason") or ""),
    ),
)


def _item(source: Source, doc: dict[str, Any]) -> tuple[datetime, dict[str, Any]] | None:
    raw = doc.get(source.time_field)
    if not isinstance(raw, datetime | str):
        return None  # not a dated record (hand-made data); it cannot be placed in time
    at = as_utc(raw)
    item = {
        "type": source.type,
        "id": str(doc["_id"]),
        "occurred_at": iso_z(at),
        "summary": _short(source.summary(doc)),
    }
    for extra in ("doctor_id", "status", "consultation_id", "prescription_id"):
        if doc.get(extra) is not None:
            item[extra] = str(doc[extra])
    return at, item


async def _read(db: Any, source: Source, patient_id: str, limit: int) -> tuple[list[Any], int]:
    query = {"patient_id": patient_id, **(source.extra_query or {})}
    cursor = db[source.collection].find(query).sort([(source.time_field, -1), ("_id", -1)])
    items = [_item(source, doc) async for doc in cursor.limit(limit)]
    docs = [item for item in items if item is not None]
    return docs, await db[source.collection].count_documents(query)


async def patient_timeline(
    db: Any,
    caller: Actor,
    patient_id: str,
    *,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    patient_id = canonical_id(patient_id, "patient")
    await require_patient_access(db, caller, patient_id, allow_admin=True, what="patient")
    depth = page * page_size
    if depth > MAX_DEPTH:
        raise InvalidInput(f"page * page_size must not exceed {MAX_DEPTH}", field="page")
    results = await asyncio.gather(*(_read(db, s, patient_id, depth) for s in SOURCES))
    merged = [entry for docs, _ in results for entry in docs]
    merged.sort(key=lambda entry: (entry[0], entry[1]["id"]), reverse=True)
    items = [item for _, item in merged[(page - 1) * page_size : depth]]
    await record_patient_read(db, caller, patient_id, "timeline", context)
    return {
        "items": items,
        "total": sum(total for _, total in results),
        "page": page,
        "page_size": page_size,
    }
