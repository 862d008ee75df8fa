"""The transactional outbox: events are written next to the state change that caused them.

A service writes its documents and calls `publish(db, event, session=session)` inside the
same MongoDB transaction; the relay then sends pending entries to Kafka and marks them
sent. Nothing is lost if a process dies between the write and the send.

Once the entries are committed, the process's announcer (if one is set) tells the relays
there is work, so they need not wait for their next poll; polling still finds anything
an announcement missed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.events.catalog import topic_for
from domain.events.envelope import Event
from domain.shared.transaction import after_commit

OUTBOX = "outbox"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def outbox_entry(event: Event) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "_id": event.id,
        "topic": topic_for(event.type),
        # Keyed by patient where there is one, so one patient's events stay in order.
        "key": event.patient_id or event.subject.id,
        "event": event.to_message(),
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        # The relay claims an entry by pushing this into the future (a lease), and backs
        # off a failed one the same way; pending entries due now are the ones to send.
        # Epoch milliseconds: a number compares the same in every store (the embedded one
        # keeps a datetime written by `$set` as text, which no date query matches).
        "due_ms": epoch_ms(now),
    }


_announcer: Callable[[], None] | None = None


def announce_to(announcer: Callable[[], None] | None) -> None:
    """Set (or clear) what this process calls when new entries are committed: quick, never
    raising, never waiting (see `infra.outbox_signal`)."""
    global _announcer
    _announcer = announcer


def _announce() -> None:
    if _announcer is not None:
        _announcer()


async def publish(db: Any, *events: Event, session: Any = None) -> None:
    """Record `events` in the outbox, inside the caller's transaction when `session` is given."""
    if not events:
        return
    await db[OUTBOX].insert_many([outbox_entry(e) for e in events], session=session)
    after_commit(session, _announce)
