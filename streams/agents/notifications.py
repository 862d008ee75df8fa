"""Domain events to in-app notifications, then email and push jobs for the channels due."""

from __future__ import annotations

from typing import Any

from config.logging import get_logger
from domain.notifications.mapping import messages_for
from domain.notifications.models import DELIVERY_ACTORS
from domain.notifications.repository import store
from domain.notifications.views import notification_view
from streams.acking import processed_events
from streams.app import app
from streams.context import streams_context
from streams.retry import until_done
from streams.topics import DOMAIN_TOPICS, PARTITIONS

log = get_logger(__name__)

domain_topic = app.topic(*DOMAIN_TOPICS, partitions=PARTITIONS, value_serializer="json")


async def notify(context: Any, event: dict[str, Any]) -> int:
    """Store one notification per recipient, enqueue its deliveries and show it on the
    recipient's open sockets; returns how many."""
    messages = messages_for(event, context.settings.app.base_url)
    for message in messages:
        stored = await store(context.db, event, message)
        # Shown first: the open app has it without waiting for the jobs to be queued. Only
        # once: a redelivered event was shown the first time.
        if stored.created:
            await context.live.push(stored.user_id, notification_view(stored.doc))
        # Enqueued even for a notification that already existed: if a crash came between
        # storing and enqueueing, this is where the delivery resumes (the actors are
        # idempotent by notification id).
        for actor_name, due in (
            (DELIVERY_ACTORS["email"], stored.email_due),
            (DELIVERY_ACTORS["push"], stored.push_due),
        ):
            if not due:
                continue
            if stored.deliver_after is None:
                context.jobs.enqueue(actor_name, notification_id=stored.id)
            else:  # the recipient's quiet hours: the job waits in the broker until they end
                context.jobs.enqueue_at(actor_name, stored.deliver_after, notification_id=stored.id)
    return len(messages)


@app.agent(domain_topic, concurrency=1)
async def notify_recipients(stream: Any) -> None:
    async for event in processed_events(stream):
        value = event.value
        if not isinstance(value, dict) or not value.get("id"):
            continue

        async def handle(value: dict[str, Any] = value) -> int:
            return await notify(await streams_context(), value)

        await until_done(handle, what="notifications")
