"""Status changes: confirm, reject, cancel, complete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from config.logging import get_logger
from domain.appointments import repository
from domain.appointments.booking import MAX_REASON
from domain.appointments.cancellation import check_patient_may_cancel
from domain.appointments.events import appointment_event
from domain.appointments.states import RELEASING, RULES, Transition
from domain.appointments.visibility import visible_appointment
from domain.events import Actor, EventContext, publish
from domain.referrals.reopening import reopen_for_appointment
from domain.scheduling import repository as schedule
from domain.shared.clock import as_utc, iso_z, utcnow
from domain.shared.errors import Conflict, Forbidden, InvalidInput
from domain.shared.text import refuse_control_characters
from domain.shared.transaction import run_in_transaction
from domain.waitlist.offers import offer_slot

log = get_logger(__name__)


def _reason(body: dict[str, Any] | None, required: bool) -> str | None:
    reason = (body or {}).get("reason")
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("is required", field="reason")
        return None
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise InvalidInput(f"must be text of at most {MAX_REASON} characters", field="reason")
    return refuse_control_characters(reason, "reason").strip()


def check_timing(doc: dict[str, Any], transition: Transition, now: datetime) -> None:
    """What the clock rules out whoever asks: a visit is completed once it has begun, and a
    request whose time has passed is not confirmed (it can still be rejected or cancelled,
    so that the patient hears it will not happen)."""
    start = as_utc(doc["start"])
    if transition is Transition.COMPLETE and now < start:
        raise Conflict(
            f"the appointment starts at {iso_z(start)}: it cannot be completed before then"
        )
    if transition is Transition.CONFIRM and start <= now:
        raise Conflict(
            f"the requested time ({iso_z(start)}) has passed: it can no longer be confirmed, "
            "only rejected or cancelled"
        )


def _party(doc: dict[str, Any], caller: Actor) -> str | None:
    if caller.role == "doctor" and caller.id == doc["doctor_id"]:
        return "doctor"
    if caller.role == "patient" and caller.id == doc["patient_id"]:
        return "patient"
    return None


async def change_status(
    client: Any,
    db: Any,
    caller: Actor,
    appointment_id: str,
    transition: Transition,
    body: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
    context: EventContext | None = None,
) -> dict[str, Any]:
    doc = await visible_appointment(db, caller, appointment_id)
    from_statuses, target, parties, _ = RULES[transition]
    if _party(doc, caller) not in parties:
        raise Forbidden(f"only the appointment's {' or '.join(sorted(parties))} may {transition}")
    reason = _reason(body, required=transition is Transition.REJECT)
    now = now or utcnow()
    check_timing(doc, transition, now)
    if transition is Transition.CANCEL and _party(doc, caller) == "patient":
        check_patient_may_cancel(doc, now)
    changes: dict[str, Any] = {"status": target.value, "updated_at": now, f"{target}_at": now}
    if transition is Transition.REJECT:
        changes["rejection_reason"] = reason
    if transition is Transition.CANCEL:
        changes["cancel_reason"] = reason
        changes["cancelled_by"] = _party(doc, caller)

    async def write(session: Any) -> dict[str, Any]:
        updated = await repository.move(
            db, doc["_id"], [s.value for s in from_statuses], changes, session
        )
        if updated is None:
            current = await repository.get(db, str(doc["_id"]), session=session)
            status = current["status"] if current else "gone"
            raise Conflict(f"cannot {transition} an appointment that is {status}")
        if target in RELEASING:
            await schedule.release_slot(db, updated["doctor_id"], updated["start"], session)
        await publish(
            db, appointment_event(updated, caller, context=context, reason=reason), session=session
        )
        if target in RELEASING:
            await reopen_for_appointment(db, updated, caller, session, context)
        return updated

    updated = await run_in_transaction(client, write)
    if target in RELEASING:
        await _offer_to_the_waiting(client, db, updated, now)
    return updated


async def _offer_to_the_waiting(
    client: Any, db: Any, appointment: dict[str, Any], now: datetime
) -> None:
    """Offer the freed slot to the first patient waiting for it right after the commit.
    Left to the event's way through Kafka, the streams worker and a job (seconds), the slot
    stood free meanwhile and any client booking at once took it first. That way still runs
    after this, as a safety net: an offer is made once however often the slot is seen."""
    try:
        await offer_slot(
            client, db, appointment["doctor_id"], as_utc(appointment["start"]),
            as_utc(appointment["end"]), now=now,
        )  # fmt: skip
    except Exception as exc:  # the change itself is done; the stream's job offers it
        log.warning("waitlist_offer_deferred", error=type(exc).__name__)
