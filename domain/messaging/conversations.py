"""Opening, finding and listing conversations; only participants ever see one."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.accounts.repository import USERS
from domain.events import Actor
from domain.messaging import repository
from domain.messaging.participants import other_participant, require_care_to_open
from domain.shared.clock import utcnow
from domain.shared.errors import NotFound


async def open_conversation(
    db: Any, caller: Actor, participant_id: Any
) -> tuple[dict[str, Any], bool]:
    """The conversation between `caller` and `participant_id`, and whether it is new."""
    other = await other_participant(db, caller, participant_id)
    assert caller.id is not None
    key = repository.pair_key(caller.id, other.id)
    existing = await repository.find_by_pair(db, key)
    if existing is not None:
        # Theirs already, readable whatever became of the care since (writing in it is
        # what an ended care refuses): 200 with it, as for any existing conversation.
        return existing, False
    await require_care_to_open(db, caller, other)
    roles = {caller.id: caller.role, other.id: other.role.value}
    now = utcnow()
    doc = {
        "_id": ObjectId(),
        "pair_key": key,
        "participant_ids": [caller.id, other.id],
        **repository.pair_fields(caller.id, other.id),
        "roles": roles,
        # The patient whose care this conversation is part of (keys its events).
        "patient_id": next((uid for uid, role in roles.items() if role == "patient"), None),
        "last_message": None,
        "seq": 0,  # the number of the last message (repository.record_message)
        "unread": {caller.id: 0, other.id: 0},
        "read_up_to": {caller.id: None, other.id: None},  # message id, shown to clients
        "read_seq": {caller.id: None, other.id: None},  # its number, compared
        "created_at": now,
        "updated_at": now,
        "activity_ms": int(now.timestamp() * 1000),
    }
    try:
        await repository.insert_conversation(db, doc)
    except DuplicateKeyError:
        # The other side opened it at the same moment: theirs is the conversation.
        existing = await repository.find_by_pair(db, key)
        if existing is None:
            raise
        return existing, False
    return doc, True


def is_participant(conversation: dict[str, Any], user_id: str | None) -> bool:
    return user_id is not None and user_id in conversation["participant_ids"]


async def conversation_for(db: Any, caller: Actor, conversation_id: str) -> dict[str, Any]:
    """The conversation if `caller` takes part in it; anyone else's is NotFound."""
    doc = await repository.get_conversation(db, conversation_id)
    if doc is None or not is_participant(doc, caller.id):
        raise NotFound("conversation not found")
    return doc


async def list_conversations(
    db: Any, caller: Actor, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int, dict[str, dict[str, Any]]]:
    """A page of the caller's conversations (most recent activity first), their total,
    and a short public card of every participant for display."""
    assert caller.id is not None
    docs, total = await repository.conversations_of(
        db, caller.id, (page - 1) * page_size, page_size
    )
    people = await participant_cards(db, {uid for doc in docs for uid in doc["participant_ids"]})
    return docs, total, people


async def participant_cards(db: Any, user_ids: set[str]) -> dict[str, dict[str, Any]]:
    oids = [oid for oid in (repository.object_id(uid) for uid in user_ids) if oid is not None]
    if not oids:
        return {}
    cursor = db[USERS].find(
        {"_id": {"$in": oids}}, {"role": 1, "first_name": 1, "last_name": 1, "specialty": 1}
    )
    cards: dict[str, dict[str, Any]] = {}
    async for user in cursor:
        card = {
            "id": str(user["_id"]),
            "role": user.get("role"),
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name"),
        }
        if user.get("role") == "doctor":
            card["specialty"] = user.get("specialty")
        cards[card["id"]] = card
    return cards
