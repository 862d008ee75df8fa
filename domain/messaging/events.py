"""`message.sent` in the platform envelope.

It names the conversation, the sender and the recipients, never the text: notifications
built from it (push bodies, emails) cannot leak what was written.
"""

from __future__ import annotations

from typing import Any

from domain.events import Actor, Event, EventContext, EventType, Subject, new_event


def message_sent(
    conversation: dict[str, Any],
    message: dict[str, Any],
    actor: Actor,
    recipients: list[str],
    context: EventContext | None = None,
) -> Event:
    return new_event(
        EventType.MESSAGE_SENT,
        actor=actor,
        subject=Subject(type="message", id=str(message["_id"])),
        patient_id=conversation.get("patient_id"),
        data={
            "conversation_id": str(conversation["_id"]),
            "message_id": str(message["_id"]),
            "sender_id": message["sender_id"],
            "recipient_ids": recipients,
        },
        context=context,
    )
