"""Delivering stored notifications through a real worker process, for tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dramatiq

from actors.broker import configure_broker
from config.settings import Settings


def deliver_in_worker(platform: Any, settings: Settings, notification_ids: Iterable[str]) -> None:
    """Start a worker and enqueue the email and the push job of each notification."""
    platform.start("worker")
    configure_broker(settings)
    import actors.registry  # noqa: F401

    broker = dramatiq.get_broker()
    for notification_id in notification_ids:
        broker.get_actor("notifications.send_email").send(notification_id)
        broker.get_actor("notifications.send_push").send(notification_id)


async def channel_statuses(db: Any, notification_id: str) -> tuple[str, str]:
    """(email_status, push_status) as stored."""
    doc = await db.notifications.find_one({"_id": notification_id})
    return doc["email_status"], doc["push_status"]
