"""Numbering the messages stored before messages carried their place in the conversation.

Messages were once ordered by ObjectId, which two web processes make out of order within a
second. Now each carries `seq`, and each conversation's read markers carry the number of
the message they point at (`read_seq`). Older messages and markers are numbered once, when
a web process starts, rather than kept readable by a second ordering beside `seq`: every
query (pages, the `before` cursor, read markers, unread counts) then has one rule.

Old messages get numbers up to 0, in the order they were sent (`created_at`, to the
millisecond, then the id), so the numbering never touches the conversation's counter: a
message sent meanwhile by a new web process takes 1, 2, ... from it and is newer anyway.
Each run numbers every old message (those numbered by a run that was interrupted too)
from the same list, so two web processes starting together give the same numbers. Once
done it is recorded and not looked at again, so a start does not scan every
message; a message written after that by a web process of the previous release (during a
rolling deploy) stays unnumbered and counts as the oldest (`repository.seq_of`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from domain.messaging.repository import CONVERSATIONS, MESSAGES, object_id
from domain.shared.clock import as_utc
from domain.shared.migrations import run_once

DONE_ID = "messaging.seq"


async def number_old_messages(db: Any) -> None:
    await run_once(db, DONE_ID, _number_all)


async def _number_all(db: Any) -> None:
    old: dict[str, list[dict[str, Any]]] = defaultdict(list)
    query = {"$or": [{"seq": None}, {"seq": {"$lte": 0}}]}
    async for doc in db[MESSAGES].find(query, {"_id": 1, "conversation_id": 1, "created_at": 1}):
        old[doc["conversation_id"]].append(doc)
    for docs in old.values():
        await _number(db, docs)
    await _number_read_markers(db)


async def _number(db: Any, docs: list[dict[str, Any]]) -> None:
    """One conversation's old messages: the newest 0, the one before -1, and so on."""
    docs.sort(key=lambda doc: (as_utc(doc["created_at"]), doc["_id"]), reverse=True)
    for position, doc in enumerate(docs):
        await db[MESSAGES].update_one({"_id": doc["_id"]}, {"$set": {"seq": -position}})


async def _number_read_markers(db: Any) -> None:
    async for conversation in db[CONVERSATIONS].find({}, {"read_up_to": 1, "read_seq": 1}):
        numbered = conversation.get("read_seq") or {}
        for user_id, message_id in (conversation.get("read_up_to") or {}).items():
            if not message_id or numbered.get(user_id) is not None:
                continue
            message = await db[MESSAGES].find_one(
                {"_id": object_id(message_id), "conversation_id": str(conversation["_id"])},
                {"seq": 1},
            )
            if message is None or message.get("seq") is None:
                continue
            field = f"read_seq.{user_id}"
            # Only where no reader moved the marker meanwhile (that one is numbered).
            await db[CONVERSATIONS].update_one(
                {"_id": conversation["_id"], field: None}, {"$set": {field: message["seq"]}}
            )
