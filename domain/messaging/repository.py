"""Where conversations and messages are stored.

A conversation is one document per pair of users, unique by `pair_key` (the two ids,
sorted), so two people opening it at once from different processes get the same one.
Messages are documents of their own, never sub-documents pushed into the conversation:
a conversation's size stays bounded. They are ordered by `seq`, their number within the
conversation, taken from a counter on the conversation in the transaction that stores
them (see `record_message`): ObjectIds made by two web processes in the same second do not
sort in the order the messages were sent.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

CONVERSATIONS = "conversations"
MESSAGES = "messages"

INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    CONVERSATIONS: [
        ([("pair_key", 1)], True),
        # One index per side of the pair rather than a multikey index on participant_ids:
        # the embedded store loses multikey entries of a document updated in a transaction.
        ([("first_id", 1)], False),
        ([("second_id", 1)], False),
    ],
    # Pages, read markers and unread counts all select by conversation and a range of seq.
    MESSAGES: [([("conversation_id", 1), ("seq", 1)], False)],
}


async def ensure_indexes(db: Any) -> None:
    for collection, indexes in INDEXES.items():
        for keys, unique in indexes:
            await db[collection].create_index(keys, unique=unique)


def object_id(value: Any) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def epoch_ms(doc: dict[str, Any]) -> int:
    return int(doc["created_at"].timestamp() * 1000)


def pair_key(first: str, second: str) -> str:
    return "|".join(sorted((first, second)))


def pair_fields(first: str, second: str) -> dict[str, str]:
    low, high = sorted((first, second))
    return {"first_id": low, "second_id": high}


def of_user(user_id: str) -> dict[str, Any]:
    return {"$or": [{"first_id": user_id}, {"second_id": user_id}]}


async def get_conversation(db: Any, conversation_id: str) -> dict[str, Any] | None:
    oid = object_id(conversation_id)
    if oid is None:
        return None
    return await db[CONVERSATIONS].find_one({"_id": oid})


async def find_by_pair(db: Any, key: str) -> dict[str, Any] | None:
    return await db[CONVERSATIONS].find_one({"pair_key": key})


async def insert_conversation(db: Any, doc: dict[str, Any]) -> None:
    """Raises DuplicateKeyError when the pair already has a conversation."""
    await db[CONVERSATIONS].insert_one(doc)


async def conversations_of(
    db: Any, user_id: str, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the user's conversations, latest activity first.

    Ordered here rather than by the store: the embedded store does not sort on a field
    that a transaction `$set`, and one user's conversations are few enough to order.
    """
    cursor = db[CONVERSATIONS].find(of_user(user_id), {"_id": 1, "activity_ms": 1})
    ordered = sorted(
        [(doc.get("activity_ms") or 0, doc["_id"]) async for doc in cursor], reverse=True
    )
    wanted = [oid for _, oid in ordered[skip : skip + limit]]
    docs = {doc["_id"]: doc async for doc in db[CONVERSATIONS].find({"_id": {"$in": wanted}})}
    return [docs[oid] for oid in wanted if oid in docs], len(ordered)


async def conversation_ids_of(db: Any, user_id: str) -> list[str]:
    cursor = db[CONVERSATIONS].find(of_user(user_id), {"_id": 1})
    return [str(doc["_id"]) async for doc in cursor]


async def insert_message(db: Any, doc: dict[str, Any], session: Any) -> None:
    await db[MESSAGES].insert_one(doc, session=session)


async def record_message(
    db: Any, conversation_id: ObjectId, message: dict[str, Any], recipients: list[str], session: Any
) -> int:
    """Number the message, count it unread for each recipient and make it the last message;
    returns its number (`seq`).

    One update of the conversation, so the counter and `last_message` move together: on
    MongoDB two transactions sending into the same conversation conflict on it and the
    second retries after the first committed (the embedded store runs transactions in
    turn), so numbers follow the order of the sends whichever process makes them.
    """
    conversation = await db[CONVERSATIONS].find_one_and_update(
        {"_id": conversation_id},
        {
            "$inc": {"seq": 1, **{f"unread.{user_id}": 1 for user_id in recipients}},
            "$set": {
                "last_message": {
                    "id": str(message["_id"]),
                    "sender_id": message["sender_id"],
                    "text": message["text"],
                    "created_at": message["created_at"],
                },
                "updated_at": message["created_at"],
                # Sorted on epoch milliseconds: the embedded store keeps a datetime written
                # by `$set` as text, which would not sort against the datetimes of new
                # documents.
                "activity_ms": epoch_ms(message),
            },
        },
        projection={"seq": 1},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if conversation is None:  # pragma: no cover - conversations are never deleted
        raise LookupError(f"conversation {conversation_id} is gone")
    return int(conversation["seq"])


async def get_message(db: Any, conversation_id: str, message_id: str) -> dict[str, Any] | None:
    oid = object_id(message_id)
    if oid is None:
        return None
    return await db[MESSAGES].find_one({"_id": oid, "conversation_id": conversation_id})


def seq_of(message: dict[str, Any]) -> int:
    """A message's place in its conversation. Messages stored before numbering began are
    numbered when the web process starts (`domain.messaging.numbering`); one written since
    by a web process of the previous release has no number yet and counts as older than
    every numbered one."""
    return int(message.get("seq") or 0)


async def messages_before(
    db: Any, conversation_id: str, before_seq: int | None, limit: int
) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"conversation_id": conversation_id}
    if before_seq is not None:
        query["seq"] = {"$lt": before_seq}
    cursor = db[MESSAGES].find(query).sort("seq", -1).limit(limit)
    return [doc async for doc in cursor]


async def advance_read_marker(
    db: Any, conversation_id: ObjectId, user_id: str, message: dict[str, Any], session: Any
) -> bool:
    """Move the reader's marker forward to `message`; never backwards. The marker is the
    message's id (what clients see) and its number (what is compared)."""
    seq = f"read_seq.{user_id}"
    result = await db[CONVERSATIONS].update_one(
        # `$and`, not `_id` beside `$or`: the embedded store's update_one then drops the
        # `_id` condition and moves the marker of another conversation.
        {
            "$and": [
                {"_id": conversation_id},
                {"$or": [{seq: None}, {seq: {"$lt": seq_of(message)}}]},
            ]
        },
        {"$set": {f"read_up_to.{user_id}": str(message["_id"]), seq: seq_of(message)}},
        session=session,
    )
    return bool(result.modified_count)


async def count_unread(
    db: Any, conversation_id: str, user_id: str, after_seq: int | None, session: Any = None
) -> int:
    query: dict[str, Any] = {"conversation_id": conversation_id, "sender_id": {"$ne": user_id}}
    if after_seq is not None:
        query["seq"] = {"$gt": after_seq}
    # Counted from a projection, not count_documents: the embedded store's count misses
    # some range conditions. Unread messages are few, and this is exact on both.
    cursor = db[MESSAGES].find(query, {"_id": 1}, session=session)
    return len([doc async for doc in cursor])


async def set_unread(
    db: Any, conversation_id: ObjectId, user_id: str, count: int, session: Any
) -> dict[str, Any] | None:
    return await db[CONVERSATIONS].find_one_and_update(
        {"_id": conversation_id},
        {"$set": {f"unread.{user_id}": count}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
