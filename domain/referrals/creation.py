"""A treating doctor refers one of their patients to another doctor."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from domain.accounts.repository import get_user
from domain.care.relationship import require_settled_care
from domain.events import Actor, EventContext, publish
from domain.referrals import repository
from domain.referrals.events import referral_event
from domain.referrals.states import Status, Urgency
from domain.shared.clock import utcnow
from domain.shared.errors import Forbidden, InvalidInput, NotFound
from domain.shared.ids import stored_spelling
from domain.shared.text import refuse_control_characters
from domain.shared.transaction import run_in_transaction

MAX_REASON = 1000  # it becomes the appointment's reason when booked
MAX_NOTES = 4000


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise InvalidInput("is required", field=name)
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("is required", field=name)
    if len(value.strip()) > limit:
        raise InvalidInput(f"at most {limit} characters", field=name)
    return refuse_control_characters(value, name).strip()


def _id(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or repository.object_id(value) is None:
        raise InvalidInput("must be an id", field=name)
    return stored_spelling(value)


def parse_referral(body: dict[str, Any]) -> dict[str, Any]:
    urgency = body.get("urgency") or Urgency.ROUTINE.value
    if urgency not in {u.value for u in Urgency}:
        raise InvalidInput("must be routine, urgent or emergency", field="urgency")
    return {
        "patient_id": _id(body, "patient_id", required=True),
        "to_doctor_id": _id(body, "to_doctor_id", required=True),
        "reason": _text(body, "reason", MAX_REASON, required=True),
        "urgency": urgency,
        "consultation_id": _id(body, "consultation_id", required=False),
        "notes": _text(body, "notes", MAX_NOTES, required=False),
    }


async def create_referral(
    client: Any,
    db: Any,
    caller: Actor,
    body: dict[str, Any],
    context: EventContext | None = None,
) -> dict[str, Any]:
    if caller.role != "doctor" or caller.id is None:
        raise Forbidden("only doctors refer patients")
    fields = parse_referral(body)
    # A doctor refers only a patient in their settled care (a referral makes care for both
    # ends, so one made on a pending link would outlast its decline); anyone else's
    # patient looks missing.
    await require_settled_care(db, caller, fields["patient_id"])
    if fields["to_doctor_id"] == caller.id:
        raise InvalidInput("cannot be yourself", field="to_doctor_id")
    receiver = await get_user(db, fields["to_doctor_id"])
    if receiver is None or not receiver.is_public_doctor:
        raise NotFound("no such doctor", field="to_doctor_id")
    if fields["consultation_id"] is not None:
        consultation = await db["consultations"].find_one(
            {"_id": ObjectId(fields["consultation_id"]), "patient_id": fields["patient_id"]},
            {"_id": 1},
        )
        if consultation is None:
            raise NotFound("no such consultation for this patient", field="consultation_id")
    now = utcnow()
    doc = {
        "_id": ObjectId(),
        **fields,
        "from_doctor_id": caller.id,
        "status": Status.PENDING.value,
        "created_at": now,
        "updated_at": now,
    }

    async def write(session: Any) -> None:
        await repository.insert(db, doc, session)
        await publish(db, referral_event(doc, caller, context), session=session)

    await run_in_transaction(client, write)
    return doc
