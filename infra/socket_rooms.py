"""Socket.IO room names, shared by the web processes (which hold the sockets) and any
process that emits to them. A socket joins its user's room at connect, and the room of
every conversation its user takes part in; nobody else ever enters a conversation's room."""

from __future__ import annotations


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def conversation_room(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"
