"""Prescription locks as a timer over a table of pending locks.

`prescription.created` (carrying `data.editable_until`) adds an entry; `prescription.locked`
removes it. Both events are keyed by patient, so they land in the same partition and the
table's changelog stays co-partitioned with `medical.events`. The timer locks overdue
prescriptions through the shared domain rule, which also publishes `prescription.locked`
through the outbox; a lock that the sweep or a write-time check did first is a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from config.logging import get_logger
from domain.records.prescription_lock import lock_if_due
from streams.app import app
from streams.context import streams_context
from streams.topics import MEDICAL_EVENTS, PARTITIONS

log = get_logger(__name__)

medical_topic = app.topic(MEDICAL_EVENTS, partitions=PARTITIONS, value_serializer="json")
pending_locks = app.Table("prescription-locks", default=None, partitions=PARTITIONS)

# Prescriptions the timer found nothing to lock for (already locked, or gone); their entry
# leaves the table when `prescription.locked` arrives.
_settled: set[str] = set()


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.agent(medical_topic, concurrency=1)
async def track_prescriptions(stream: Any) -> None:
    async for value in stream:
        if not isinstance(value, dict):
            continue
        subject_id = (value.get("subject") or {}).get("id")
        if value.get("type") == "prescription.created" and subject_id:
            until = (value.get("data") or {}).get("editable_until")
            if _parse(until) is not None:
                pending_locks[subject_id] = until
        elif value.get("type") == "prescription.locked" and subject_id:
            if pending_locks.get(subject_id) is not None:
                del pending_locks[subject_id]
            _settled.discard(subject_id)


@app.timer(interval=1.0)
async def lock_overdue_prescriptions() -> None:
    now = datetime.now(UTC)
    due = [
        prescription_id
        for prescription_id, until in list(pending_locks.items())
        if prescription_id not in _settled and (moment := _parse(until)) and moment <= now
    ]
    if not due:
        return
    context = await streams_context()
    for prescription_id in due:
        try:
            locked = await lock_if_due(context.mongo, context.db, prescription_id, now)
        except Exception:
            log.exception("prescription_lock_failed", prescription_id=prescription_id)
            continue
        if locked:
            log.info("prescription_locked", prescription_id=prescription_id)
        _settled.add(prescription_id)
