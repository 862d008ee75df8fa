"""Who may talk to whom.

Doctor ↔ doctor conversations are open. Patient ↔ doctor needs a care relationship (the
one rule in `domain.care`), to open a conversation and to go on writing in it: once the
relationship ends (the only appointment rejected, the only referral declined), the
conversation stays readable but takes no new message. Patient ↔ patient is refused, and
admins do not chat.
"""

from __future__ import annotations

from typing import Any

from domain.accounts.models import User
from domain.accounts.repository import get_user
from domain.care.relationship import doctor_treats_patient
from domain.events import Actor
from domain.shared.errors import Forbidden, InvalidInput, NotFound
from domain.shared.ids import stored_spelling

CHAT_ROLES = frozenset({"patient", "doctor"})


async def other_participant(db: Any, caller: Actor, participant_id: Any) -> User:
    """The user `caller` may have a conversation with, or the reason they may not: whether
    a new one may be opened is `require_care_to_open`'s to say."""
    if not isinstance(participant_id, str) or not participant_id:
        raise InvalidInput("is required", field="participant_id")
    if caller.id is None or caller.role not in CHAT_ROLES:
        raise Forbidden("only patients and doctors take part in conversations")
    participant_id = stored_spelling(participant_id)
    if participant_id == caller.id:
        raise InvalidInput("cannot be yourself", field="participant_id")
    other = await get_user(db, participant_id)
    if other is None or not other.active:
        raise NotFound("no such user", field="participant_id")
    roles = {caller.role, other.role.value}
    if not roles <= CHAT_ROLES:
        raise Forbidden("only patients and doctors take part in conversations")
    if roles == {"patient"}:
        raise Forbidden("patients cannot start conversations with other patients")
    return other


async def _outside_care(db: Any, roles: dict[str, str]) -> bool:
    """Whether the pair in `roles` (user id → role) is a patient and a doctor with no care
    relationship between them; any other pair needs none."""
    doctor = next((uid for uid, role in roles.items() if role == "doctor"), None)
    patient = next((uid for uid, role in roles.items() if role == "patient"), None)
    if doctor is None or patient is None:
        return False
    return not await doctor_treats_patient(db, doctor, patient)


async def require_care_to_open(db: Any, caller: Actor, other: User) -> None:
    """Refuse a new patient ↔ doctor conversation outside a care relationship."""
    assert caller.id is not None
    if await _outside_care(db, {caller.id: caller.role, other.id: other.role.value}):
        if caller.role == "doctor":
            # A patient outside the doctor's care looks like a missing one.
            raise NotFound("no such user", field="participant_id")
        raise Forbidden("you can message a doctor once they are part of your care")


async def require_care_to_write(db: Any, conversation: dict[str, Any]) -> None:
    """Refuse a new message in a patient ↔ doctor conversation whose care relationship has
    ended: without this, a patient whose request a doctor rejected could go on writing to
    them (and the doctor to a patient they no longer treat)."""
    if await _outside_care(db, conversation.get("roles") or {}):
        raise Forbidden("this conversation is closed: the doctor no longer takes part in this care")
