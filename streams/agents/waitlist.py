"""Slots given back (an appointment rejected or cancelled) to the waiting list.

Each freed slot becomes one `waitlist.offer_slot` job: the offer itself (a hold, a
compare-and-set on the entry, its event) runs in the worker, retried there, and is
idempotent by the slot's hold key, so a redelivered event offers nothing twice.
"""

from __future__ import annotations

from typing import Any

from domain.shared.clock import iso_z
from domain.waitlist.offers import freed_slot
from streams.acking import processed_events
from streams.app import app
from streams.context import streams_context
from streams.retry import until_done
from streams.topics import APPOINTMENTS_EVENTS, PARTITIONS

appointments_topic = app.topic(APPOINTMENTS_EVENTS, partitions=PARTITIONS, value_serializer="json")


@app.agent(appointments_topic, concurrency=1)
async def offer_freed_slots(stream: Any) -> None:
    async for event in processed_events(stream):
        value = event.value
        freed = freed_slot(value) if isinstance(value, dict) else None
        if freed is None:
            continue
        doctor_id, start, end = freed

        async def enqueue(doctor_id: str = doctor_id, start: Any = start, end: Any = end) -> None:
            context = await streams_context()
            context.jobs.enqueue(
                "waitlist.offer_slot", doctor_id=doctor_id, start=iso_z(start), end=iso_z(end)
            )

        await until_done(enqueue, what="waitlist")
