"""Sending, paging and reading messages.

A message is written, counted unread for the other participant and announced as
`message.sent` in one transaction. Nobody can edit or delete a message through this API.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from domain.events import Actor, EventContext, publish
from domain.messaging import repository
from domain.messaging.conversations import conversation_for
from domain.messaging.events import message_sent
from domain.messaging.participants import require_care_to_write
from domain.shared.clock import utcnow
from domain.shared.errors import InvalidInput, NotFound
from domain.shared.text import refuse_control_characters
from domain.shared.transaction import run_in_transaction

MAX_TEXT = 4000  # characters; a chat message, not a document
DEFAULT_PAGE = 50
MAX_PAGE = 100


def parse_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("is required and cannot be blank", field="text")
    text = refuse_control_characters(value, "text").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"at most {MAX_TEXT} characters", field="text")
    return text


async def send_message(
    client: Any,
    db: Any,
    caller: Actor,
    conversation_id: str,
    text: Any,
    context: EventContext | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored message and its conversation."""
    body = parse_text(text)
    conversation = await conversation_for(db, caller, conversation_id)
    await require_care_to_write(db, conversation)
    assert caller.id is not None
    recipients = [uid for uid in conversation["participant_ids"] if uid != caller.id]
    message = {
        "_id": ObjectId(),
        "conversation_id": str(conversation["_id"]),
        "sender_id": caller.id,
        "text": body,
        "created_at": utcnow(),
    }

    async def write(session: Any) -> None:
        # Numbered first: the message is stored with its place in the conversation.
        message["seq"] = await repository.record_message(
            db, conversation["_id"], message, recipients, session
        )
        await repository.insert_message(db, message, session)
        await publish(
            db, message_sent(conversation, message, caller, recipients, context), session=session
        )

    await run_in_transaction(client, write)
    return message, conversation


def parse_limit(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_PAGE
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    return limit


async def list_messages(
    db: Any, caller: Actor, conversation_id: str, before: str | None, limit: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, strictly older than `before`; and the cursor for the next page."""
    size = parse_limit(limit)
    if before and repository.object_id(before) is None:
        raise InvalidInput("must be a message id", field="before")
    conversation = await conversation_for(db, caller, conversation_id)
    conversation_key = str(conversation["_id"])
    before_seq = None
    if before:
        # The cursor is a message id in the API; pages are cut at its number.
        anchor = await repository.get_message(db, conversation_key, before)
        if anchor is None:
            raise InvalidInput("must be a message of this conversation", field="before")
        before_seq = repository.seq_of(anchor)
    docs = await repository.messages_before(db, conversation_key, before_seq, size + 1)
    more = len(docs) > size
    docs = docs[:size]
    return docs, (str(docs[-1]["_id"]) if more and docs else None)


async def mark_read(
    client: Any, db: Any, caller: Actor, conversation_id: str, message_id: Any
) -> dict[str, Any]:
    """Mark everything up to `message_id` read for the caller. A marker never moves back,
    so a late or repeated call changes nothing. Returns the reader's state."""
    if not isinstance(message_id, str) or not message_id:
        raise InvalidInput("is required", field="message_id")
    conversation = await conversation_for(db, caller, conversation_id)
    assert caller.id is not None
    conversation_key = str(conversation["_id"])
    message = await repository.get_message(db, conversation_key, message_id)
    if message is None:
        raise NotFound("no such message in this conversation", field="message_id")
    reader = caller.id

    async def write(session: Any) -> dict[str, Any]:
        await repository.advance_read_marker(db, conversation["_id"], reader, message, session)
        current = await db[repository.CONVERSATIONS].find_one(
            {"_id": conversation["_id"]}, {"read_up_to": 1, "read_seq": 1}, session=session
        )
        marker = ((current or {}).get("read_up_to") or {}).get(reader)
        marker_seq = ((current or {}).get("read_seq") or {}).get(reader)
        unread = await repository.count_unread(db, conversation_key, reader, marker_seq, session)
        await repository.set_unread(db, conversation["_id"], reader, unread, session)
        return {
            "conversation_id": conversation_key,
            "user_id": reader,
            "message_id": marker,
            "unread_count": unread,
        }

    return await run_in_transaction(client, write)
