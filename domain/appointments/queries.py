"""Reading appointments: one by id, and the caller's own list."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.appointments import repository
from domain.appointments.cancellation import deadline
from domain.appointments.states import Status
from domain.appointments.visibility import visible_appointment
from domain.events import Actor, EventContext
from domain.records.access_audit import record_patients_read, record_read
from domain.shared.clock import iso_z
from domain.shared.errors import Forbidden, InvalidInput
from domain.shared.parsing import check_date_range

_HISTORY = (
    ("requested", "created_at"),
    ("confirmed", "confirmed_at"),
    ("rejected", "rejected_at"),
    ("cancelled", "cancelled_at"),
    ("completed", "completed_at"),
)


def to_view(doc: dict[str, Any]) -> dict[str, Any]:
    # One booked from a referral is made confirmed: it was never a request.
    steps = _HISTORY[1:] if doc.get("referral_id") else _HISTORY
    history = [{"status": status, "at": iso_z(doc[key])} for status, key in steps if doc.get(key)]
    view = {
        "id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "doctor_id": doc["doctor_id"],
        "patient_name": doc.get("patient_name"),
        "doctor_name": doc.get("doctor_name"),
        "start": iso_z(doc["start"]),
        "end": iso_z(doc["end"]),
        "timezone": doc.get("timezone"),
        "status": doc["status"],
        "reason": doc.get("reason"),
        "mode": doc.get("mode", "in_person"),
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
        "history": sorted(history, key=lambda h: h["at"]),
    }
    for extra in ("rejection_reason", "cancel_reason", "cancelled_by", "referral_id"):
        if doc.get(extra) is not None:
            view[extra] = doc[extra]
    last = deadline(doc)
    if last is not None:
        view["cancellation_notice_hours"] = doc["cancellation_notice_hours"]
        view["patient_cancellable_until"] = iso_z(last)
    return view


async def get_appointment(
    db: Any, caller: Actor, appointment_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    doc = await visible_appointment(db, caller, appointment_id)
    # Its reason is clinical: a read of the patient's record, whoever reads it, as the
    # records and referrals reads are (the patient's access log leaves out their own).
    await record_read(db, caller, "appointment", doc, context)
    return to_view(doc)


async def list_appointments(
    db: Any,
    caller: Actor,
    *,
    status: str | None = None,
    first: date | None = None,
    last: date | None = None,
    page: int = 1,
    page_size: int = 20,
    context: EventContext | None = None,
) -> dict[str, Any]:
    """The caller's own appointments, newest first; `from`/`to` are dates, inclusive, in
    each appointment's doctor's zone (`local_day`)."""
    query: dict[str, Any] = {}
    if caller.role == "patient":
        query["patient_id"] = caller.id
    elif caller.role == "doctor":
        query["doctor_id"] = caller.id
    else:
        # Admins read single appointments (audited), never the whole book of visits.
        raise Forbidden("only patients and doctors list appointments")
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InvalidInput(
                "must be one of " + ", ".join(s.value for s in Status), field="status"
            )
        query["status"] = status
    for day, field in ((first, "from"), (last, "to")):
        if day is not None:
            check_date_range(day, field)
    if first and last and last < first:
        raise InvalidInput("must not be before from", field="to")
    # "YYYY-MM-DD" texts (years 1900-2999) sort as the dates do.
    window: dict[str, Any] = {}
    if first:
        window["$gte"] = first.isoformat()
    if last:
        window["$lte"] = last.isoformat()
    if window:
        query["local_date"] = window
    items, total = await repository.page(db, query, (page - 1) * page_size, page_size)
    await record_patients_read(
        db, caller, (str(doc["patient_id"]) for doc in items), "appointments", context
    )
    return {
        "items": [to_view(doc) for doc in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
