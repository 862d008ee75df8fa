"""The public shape of an in-app notification: REST responses and Socket.IO payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.shared.clock import iso_z


def notification_view(doc: dict[str, Any]) -> dict[str, Any]:
    created = doc.get("created_at")
    return {
        "id": str(doc["_id"]),
        "category": doc.get("category", ""),
        "title": doc.get("title", ""),
        "body": doc.get("body", ""),
        "link": doc.get("link", ""),
        "read": bool(doc.get("read")),
        "created_at": iso_z(created) if isinstance(created, datetime | str) else "",
        "event_type": doc.get("event_type"),
        "subject_type": doc.get("subject_type"),
        "subject_id": doc.get("subject_id"),
        # Email and push waited (or wait) until then: the recipient's quiet hours.
        "deliver_after": _instant(doc.get("deliver_after")),
        # What it announced runs out then (an offer): email and push never go after it.
        "lapses_at": _instant(doc.get("lapses_at")),
    }


def _instant(value: object) -> str | None:
    """An optional stored instant (a datetime, or its text on the embedded store)."""
    return iso_z(value) if isinstance(value, datetime | str) and value else None
