"""The receiving doctor accepts or declines a pending referral."""

from __future__ import annotations

from typing import Any

from domain.events import Actor, EventContext, publish
from domain.records.access_audit import record_read
from domain.referrals import repository
from domain.referrals.access import referral_for
from domain.referrals.events import referral_event
from domain.referrals.states import Status
from domain.shared.clock import utcnow
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.text import refuse_control_characters
from domain.shared.transaction import run_in_transaction

MAX_DECLINE_REASON = 1000


async def _decide(
    client: Any,
    db: Any,
    caller: Actor,
    referral_id: str,
    to: Status,
    action: str,
    extra: dict[str, Any],
    context: EventContext | None,
) -> dict[str, Any]:
    doc = await referral_for(db, caller, referral_id, acting=("to_doctor_id",), action=action)
    now = utcnow()
    changes = {"status": to.value, "updated_at": now, f"{to.value}_at": now, **extra}

    async def write(session: Any) -> dict[str, Any]:
        moved = await repository.move(db, doc["_id"], Status.PENDING.value, changes, session)
        if moved is None:
            raise Conflict(f"the referral is no longer pending (it is {doc['status']})")
        await publish(db, referral_event(moved, caller, context), session=session)
        return moved

    decided = await run_in_transaction(client, write)
    # The answer carries the referral's reason and notes: a read, as GET /referrals/{id} is.
    await record_read(db, caller, "referral", decided, context)
    return decided


async def accept(
    client: Any, db: Any, caller: Actor, referral_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    return await _decide(client, db, caller, referral_id, Status.ACCEPTED, "accept", {}, context)


async def decline(
    client: Any,
    db: Any,
    caller: Actor,
    referral_id: str,
    reason: Any,
    context: EventContext | None = None,
) -> dict[str, Any]:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("is required", field="reason")
    if len(reason.strip()) > MAX_DECLINE_REASON:
        raise InvalidInput(f"at most {MAX_DECLINE_REASON} characters", field="reason")
    extra = {"decline_reason": refuse_control_characters(reason, "reason").strip()}
    return await _decide(
        client, db, caller, referral_id, Status.DECLINED, "decline", extra, context
    )
