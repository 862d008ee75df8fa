"""Reminders 24 hours and 1 hour before a confirmed appointment, each sent once.

A sweep finds what is due; each (appointment, kind) is then sent by a job that re-checks the
appointment and writes a marker whose `_id` is unique, in the same transaction as the
`appointment.reminder` event, so a sweep that runs twice still sends one reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.appointments import repository
from domain.appointments.events import appointment_event
from domain.appointments.states import Status
from domain.events import EventType, publish
from domain.events.envelope import SYSTEM
from domain.shared.clock import utcnow
from domain.shared.transaction import run_in_transaction

# kind -> how long before the start it becomes due; a reminder stays due until the next
# kind takes over (the 24 h one is not sent once the 1 h one is due).
KINDS: dict[str, timedelta] = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def due_kind(start: datetime, now: datetime) -> str | None:
    left = start - now
    if left <= timedelta(0):
        return None
    if left <= KINDS["1h"]:
        return "1h"
    if left <= KINDS["24h"]:
        return "24h"
    return None


def marker_id(appointment_id: str, kind: str) -> str:
    return f"{appointment_id}|{kind}"


async def due_reminders(db: Any, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """(appointment id, kind) pairs due now and not sent yet."""
    now = now or utcnow()
    found = await repository.confirmed_between(db, now, now + KINDS["24h"])
    due = [(str(doc["_id"]), kind) for doc in found if (kind := due_kind(doc["start"], now))]
    if not due:
        return []
    sent = {
        doc["_id"]
        async for doc in db[repository.REMINDERS_SENT].find(
            {"_id": {"$in": [marker_id(a, k) for a, k in due]}}, {"_id": 1}
        )
    }
    return [(a, k) for a, k in due if marker_id(a, k) not in sent]


async def send_reminder(
    client: Any, db: Any, appointment_id: str, kind: str, *, now: datetime | None = None
) -> bool:
    """Send one reminder if it is still due and was never sent; True when sent now."""
    now = now or utcnow()
    doc = await repository.get(db, appointment_id)
    if doc is None or doc["status"] != Status.CONFIRMED or due_kind(doc["start"], now) != kind:
        return False

    async def write(session: Any) -> None:
        await db[repository.REMINDERS_SENT].insert_one(
            {"_id": marker_id(appointment_id, kind), "sent_at": now}, session=session
        )
        event = appointment_event(doc, SYSTEM, type_=EventType.APPOINTMENT_REMINDER, kind=kind)
        await publish(db, event, session=session)

    try:
        await run_in_transaction(client, write)
    except DuplicateKeyError:
        return False
    return True
