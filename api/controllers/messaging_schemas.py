"""Response shapes of /api/v1/conversations, for the OpenAPI document (handlers return the
domain views, which have exactly these fields)."""

from __future__ import annotations

from typing import TypedDict


class MessageOut(TypedDict):
    id: str
    conversation_id: str
    sender_id: str
    text: str
    created_at: str


class ParticipantOut(TypedDict, total=False):
    id: str
    role: str
    first_name: str
    last_name: str
    specialty: str | None


class ConversationOut(TypedDict):
    id: str
    participant_ids: list[str]
    participants: list[ParticipantOut]
    last_message: MessageOut | None
    unread_count: int
    last_read_message_id: str | None
    created_at: str
    updated_at: str


class ConversationPage(TypedDict):
    items: list[ConversationOut]
    total: int
    page: int
    page_size: int


class MessagePage(TypedDict):
    items: list[MessageOut]
    limit: int
    next_before: str | None


class ReadOut(TypedDict):
    conversation_id: str
    user_id: str
    message_id: str | None
    unread_count: int
