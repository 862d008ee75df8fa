"""The public shape of conversations and messages (REST responses and Socket.IO payloads)."""

from __future__ import annotations

from typing import Any

from domain.shared.clock import iso_z


def message_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "conversation_id": doc["conversation_id"],
        "sender_id": doc["sender_id"],
        "text": doc["text"],
        "created_at": iso_z(doc["created_at"]),
    }


def conversation_view(
    doc: dict[str, Any], viewer_id: str, people: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    last = doc.get("last_message")
    people = people or {}
    return {
        "id": str(doc["_id"]),
        "participant_ids": list(doc["participant_ids"]),
        "participants": [
            people.get(user_id) or {"id": user_id, "role": doc["roles"].get(user_id)}
            for user_id in doc["participant_ids"]
        ],
        "last_message": {
            "id": last["id"],
            "conversation_id": str(doc["_id"]),
            "sender_id": last["sender_id"],
            "text": last["text"],
            "created_at": iso_z(last["created_at"]),
        }
        if last
        else None,
        "unread_count": int((doc.get("unread") or {}).get(viewer_id, 0)),
        "last_read_message_id": (doc.get("read_up_to") or {}).get(viewer_id),
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }
