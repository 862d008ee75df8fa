"""A booked referral whose appointment is cancelled or rejected is accepted again, so that
either doctor can book it anew (it stayed `booked`, pointing at a dead appointment, and
could never be booked again)."""

from __future__ import annotations

from typing import Any

from domain.events import Actor, EventContext, EventType, publish
from domain.referrals import repository
from domain.referrals.events import referral_event
from domain.referrals.states import Status
from domain.shared.clock import utcnow


async def reopen_for_appointment(
    db: Any,
    appointment: dict[str, Any],
    actor: Actor,
    session: Any,
    context: EventContext | None = None,
) -> None:
    """In the transaction that cancels or rejects `appointment`: its referral goes back
    `booked → accepted` with `referral.reopened`, only while it still points at this very
    appointment (a referral booked again meanwhile keeps its new appointment)."""
    if not appointment.get("referral_id"):
        return
    referral_id = repository.object_id(appointment["referral_id"])
    if referral_id is None:
        return
    appointment_id = str(appointment["_id"])
    changes = {
        "status": Status.ACCEPTED.value,
        "appointment_id": None,
        "booked_at": None,
        "updated_at": utcnow(),
    }
    reopened = await repository.move(
        db, referral_id, Status.BOOKED.value, changes, session, appointment_id=appointment_id
    )
    if reopened is not None:
        event = referral_event(
            reopened, actor, context, event_type=EventType.REFERRAL_REOPENED,
            released_appointment_id=appointment_id,
        )  # fmt: skip
        await publish(db, event, session=session)
