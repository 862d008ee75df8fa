"""Reading referrals: one by id, and a doctor's sent or received list (a patient's own)."""

from __future__ import annotations

from typing import Any

from domain.events import Actor, EventContext
from domain.records.access_audit import record_patients_read, record_read
from domain.referrals import repository
from domain.referrals.access import visible_referral
from domain.referrals.states import Status
from domain.referrals.views import referral_view
from domain.shared.errors import Forbidden, InvalidInput

DIRECTIONS = {"sent": "from_doctor_id", "received": "to_doctor_id"}


async def get_referral(
    db: Any, caller: Actor, referral_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    doc = await visible_referral(db, caller, referral_id)
    # Its reason and notes are clinical: a read of the patient's record like any other.
    await record_read(db, caller, "referral", doc, context)
    return referral_view(doc)


async def list_referrals(
    db: Any,
    caller: Actor,
    *,
    direction: str | None,
    status: str | None,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    query: dict[str, Any]
    if caller.role == "doctor":
        if direction is None:
            query = {"$or": [{field: caller.id} for field in DIRECTIONS.values()]}
        elif direction in DIRECTIONS:
            query = {DIRECTIONS[direction]: caller.id}
        else:
            raise InvalidInput("must be sent or received", field="direction")
    elif caller.role == "patient" and direction is None:
        query = {"patient_id": caller.id}
    else:
        raise Forbidden("only doctors list sent or received referrals")
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InvalidInput("must be pending, accepted, declined or booked", field="status")
        query["status"] = status
    docs, total = await repository.page(db, query, (page - 1) * page_size, page_size)
    await record_patients_read(
        db, caller, (str(d["patient_id"]) for d in docs), "referrals", context
    )
    return {
        "items": [referral_view(d) for d in docs],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
