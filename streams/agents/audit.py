"""The audit trail: every event of every topic, appended once to the hash chain."""

from __future__ import annotations

from typing import Any

from config.logging import get_logger
from domain.audit.mapping import audit_record
from streams.acking import processed_events
from streams.app import app
from streams.context import streams_context
from streams.retry import until_done
from streams.topics import EVENT_TOPICS, PARTITIONS

log = get_logger(__name__)

events_topic = app.topic(*EVENT_TOPICS, partitions=PARTITIONS, value_serializer="json")


@app.agent(events_topic, concurrency=1)
async def audit_events(stream: Any) -> None:
    async for event in processed_events(stream):
        value = event.value
        if not isinstance(value, dict) or not value.get("id"):
            log.warning("audit_skipped_malformed", topic=event.message.topic)
            continue
        record = audit_record(value, source=event.message.topic)

        async def write(record: dict[str, Any] = record) -> None:
            context = await streams_context()
            await context.audit_chain.append(record)

        await until_done(write, what="audit")
