"""Who sees a referral (the patient and both doctors) and who may act on it."""

from __future__ import annotations

from typing import Any

from domain.events import Actor
from domain.referrals import repository
from domain.shared.errors import Forbidden, NotFound


def can_see(doc: dict[str, Any], caller: Actor) -> bool:
    return caller.id is not None and caller.id in (
        doc["patient_id"],
        doc["from_doctor_id"],
        doc["to_doctor_id"],
    )


async def visible_referral(db: Any, caller: Actor, referral_id: str) -> dict[str, Any]:
    doc = await repository.get(db, referral_id)
    if doc is None or not can_see(doc, caller):
        raise NotFound("referral not found")
    return doc


async def referral_for(
    db: Any, caller: Actor, referral_id: str, *, acting: tuple[str, ...], action: str
) -> dict[str, Any]:
    """The referral if `caller` is one of the `acting` parties (receiving / referring
    doctor); someone who only sees it gets Forbidden, anyone else NotFound."""
    doc = await visible_referral(db, caller, referral_id)
    if caller.role != "doctor" or caller.id not in {doc[party] for party in acting}:
        raise Forbidden(
            f"only the {' or '.join(p.split('_')[0] for p in acting)} doctor may {action}"
        )
    return doc
