"""Held deliveries follow a change of the quiet hours at once.

A job held for quiet hours waits in the broker's delay queue until the window's end as it
was when the notification came. Moved later, the window is caught by the job itself when
it comes up (it re-reads the window and waits again). Shortened or removed, the job would
still sleep until the old end: so here, when the window changes, each held notification of
the user is re-timed, and gets new jobs at once when it may now go sooner. The old jobs
still come up at the old end, and find the delivery made (or re-read the window again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.notifications.models import CHANNELS, DELIVERY_ACTORS, NOTIFICATIONS, PENDING
from domain.notifications.quiet_hours import QuietHours, held_until
from domain.shared.clock import as_utc
from domain.shared.jobs import JobQueue


async def follow_new_window(
    db: Any, jobs: JobQueue, user_id: str, window: QuietHours | None, now: datetime
) -> int:
    """Re-time `user_id`'s held deliveries to `window` (None: removed); how many now go
    sooner than they were held for."""
    # `deliver_after` is compared here, not in the query: the embedded store keeps a
    # datetime written by `$set` (a postponed delivery's) as text.
    held = db[NOTIFICATIONS].find(
        {
            "user_id": user_id,
            "deliver_after": {"$ne": None},
            "$or": [{f"{channel}_status": PENDING} for channel in CHANNELS],
        },
        projection={"category": 1, "deliver_after": 1, "email_status": 1, "push_status": 1},
    )
    sooner = 0
    async for doc in held:
        if not doc.get("deliver_after"):
            continue  # not held (a store may count a missing field as not null)
        was = as_utc(doc["deliver_after"])
        if was <= now:
            continue  # due already: its jobs are running or about to
        until = held_until(window, str(doc.get("category", "")), now)
        if until == was:
            continue
        change = {"$set": {"deliver_after": until}} if until else {"$unset": {"deliver_after": ""}}
        await db[NOTIFICATIONS].update_one({"_id": doc["_id"]}, change)
        if until is not None and until > was:
            continue  # later: the waiting jobs see the new window when they come up
        sooner += 1
        for channel in CHANNELS:
            if doc.get(f"{channel}_status") != PENDING:
                continue
            if until is None:
                jobs.enqueue(DELIVERY_ACTORS[channel], notification_id=str(doc["_id"]))
            else:
                jobs.enqueue_at(DELIVERY_ACTORS[channel], until, notification_id=str(doc["_id"]))
    return sooner
