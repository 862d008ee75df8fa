"""The care relationship: the one rule deciding which doctors may read a patient's records.

A doctor treats a patient when they share an appointment (any status but rejected), a
referral (either end, any status but declined) or a consultation. Records, messaging and
profiles all ask here, so the rule changes in one place.

Creating a record that itself makes care (a consultation, a referral) asks for more: a
settled link. A requested appointment or a pending referral lets the doctor read the record
so they can decide, but if writing were allowed then, the record written would outlive a
rejection or a decline and keep the doctor (or whoever they referred to) in the record.
"""

from __future__ import annotations

from typing import Any

from domain.accounts.repository import get_patient
from domain.events import Actor
from domain.shared.errors import NotFound

APPOINTMENTS = "appointments"
REFERRALS = "referrals"
CONSULTATIONS = "consultations"

APPOINTMENT_STATUSES_WITHOUT_CARE = ["rejected"]
REFERRAL_STATUSES_WITHOUT_CARE = ["declined"]
SETTLED_APPOINTMENT_STATUSES = ["confirmed", "completed"]
SETTLED_REFERRAL_STATUSES = ["accepted", "booked"]

_READABLE = ({"$nin": APPOINTMENT_STATUSES_WITHOUT_CARE}, {"$nin": REFERRAL_STATUSES_WITHOUT_CARE})
_SETTLED = ({"$in": SETTLED_APPOINTMENT_STATUSES}, {"$in": SETTLED_REFERRAL_STATUSES})


async def _linked(
    db: Any,
    doctor_id: str,
    patient_id: str,
    appointment_status: dict[str, Any],
    referral_status: dict[str, Any],
) -> bool:
    if not doctor_id or not patient_id:
        return False
    if await db[CONSULTATIONS].find_one(
        {"doctor_id": doctor_id, "patient_id": patient_id}, {"_id": 1}
    ):
        return True
    if await db[APPOINTMENTS].find_one(
        {"doctor_id": doctor_id, "patient_id": patient_id, "status": appointment_status},
        {"_id": 1},
    ):
        return True
    referral = await db[REFERRALS].find_one(
        {
            "patient_id": patient_id,
            "status": referral_status,
            "$or": [{"from_doctor_id": doctor_id}, {"to_doctor_id": doctor_id}],
        },
        {"_id": 1},
    )
    return referral is not None


async def doctor_treats_patient(db: Any, doctor_id: str, patient_id: str) -> bool:
    return await _linked(db, doctor_id, patient_id, *_READABLE)


async def doctor_settled_with_patient(db: Any, doctor_id: str, patient_id: str) -> bool:
    """A confirmed or completed appointment, an accepted or booked referral (either end) or
    a consultation: links the other side has agreed to, which a decline cannot undo."""
    return await _linked(db, doctor_id, patient_id, *_SETTLED)


async def _patient_ids(db: Any, collection: str, query: dict[str, Any]) -> set[str]:
    # A find rather than `distinct`: the embedded store's distinct ignores parts of the filter.
    cursor = db[collection].find(query, {"patient_id": 1, "_id": 0})
    return {str(doc["patient_id"]) async for doc in cursor if doc.get("patient_id")}


async def patient_ids_in_care(db: Any, doctor_id: str) -> set[str]:
    """Every patient `doctor_id` treats (for lists scoped to a doctor's patients)."""
    appointment_status, referral_status = _READABLE
    consulted = await _patient_ids(db, CONSULTATIONS, {"doctor_id": doctor_id})
    booked = await _patient_ids(
        db, APPOINTMENTS, {"doctor_id": doctor_id, "status": appointment_status}
    )
    referred = await _patient_ids(
        db,
        REFERRALS,
        {
            "status": referral_status,
            "$or": [{"from_doctor_id": doctor_id}, {"to_doctor_id": doctor_id}],
        },
    )
    return consulted | booked | referred


async def can_access_patient(
    db: Any, caller: Actor, patient_id: str, *, allow_admin: bool = False
) -> bool:
    if caller.id is None or not patient_id:
        return False
    if caller.role == "patient":
        return caller.id == patient_id
    if caller.role == "doctor":
        return await doctor_treats_patient(db, caller.id, patient_id)
    if caller.role != "admin" or not allow_admin:
        return False
    # An admin may read any patient, but only one there is: a page of nothing for a missing
    # id (or a doctor's) would read as an empty record.
    return await get_patient(db, patient_id) is not None


async def require_patient_access(
    db: Any, caller: Actor, patient_id: str, *, allow_admin: bool = False, what: str = "record"
) -> None:
    """Raise NotFound unless `caller` is the patient, a treating doctor or (when allowed)
    an admin: someone else's patient looks exactly like a missing one."""
    if not await can_access_patient(db, caller, patient_id, allow_admin=allow_admin):
        raise NotFound(f"{what} not found")


async def require_settled_care(
    db: Any, caller: Actor, patient_id: str, *, field: str | None = None
) -> None:
    """Raise NotFound unless the doctor `caller` has a settled link to the patient: the
    answer a doctor without care gets, so a pending link tells nothing more."""
    if (
        caller.id is None
        or caller.role != "doctor"
        or not await doctor_settled_with_patient(db, caller.id, patient_id)
    ):
        raise NotFound("patient not found", field=field)
