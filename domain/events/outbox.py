"""The transactional outbox: events are written next to the state change that caused them.

A service writes its documents and calls `publish(db, event, session=session)` inside the
same MongoDB transaction; the relay then sends pending entries to Kafka and marks them
sent. Nothing is lost if a process dies between the write and the send.

Once the entries are committed, the process's announcer (if one is set) tells the relays
there is work, so they need not wait for their next poll; polling still finds anything
an announcement missed.

A process with a dispatcher (the web) sends its own entries instead, right after the
commit: they are written already claimed by it, under a lease like a relay's, and a relay
takes them only if that lease runs out (the process died, or Kafka was away). That saves
the relay's wake-up and its claim, the longest part of the way from a write to Kafka.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from domain.events.catalog import topic_for
from domain.events.envelope import Event
from domain.shared.clock import epoch_ms
from domain.shared.transaction import after_commit

OUTBOX = "outbox"


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


class Dispatcher(Protocol):
    """A process that sends its own entries to Kafka once committed (`infra.outbox_dispatch`)."""

    token: str  # the lease its entries are written under
    hold_seconds: float  # how long they stay its own before a relay may take them

    def hand_over(self, entries: list[dict[str, Any]]) -> None:
        """Called once the entries are committed: quick, never raising, never waiting."""


_announcer: Callable[[], None] | None = None
_dispatcher: Dispatcher | None = None


def announce_to(announcer: Callable[[], None] | None) -> None:
    """Set (or clear) what this process calls when new entries are committed: quick, never
    raising, never waiting (see `infra.outbox_signal`)."""
    global _announcer
    _announcer = announcer


def dispatch_to(dispatcher: Dispatcher | None) -> None:
    """Set (or clear) this process's dispatcher; without one, the relays send its entries."""
    global _dispatcher
    _dispatcher = dispatcher


def _announce() -> None:
    if _announcer is not None:
        _announcer()


async def publish(db: Any, *events: Event, session: Any = None) -> None:
    """Record `events` in the outbox, inside the caller's transaction when `session` is given."""
    if not events:
        return
    entries = [outbox_entry(e) for e in events]
    dispatcher = _dispatcher
    if dispatcher is None:
        await db[OUTBOX].insert_many(entries, session=session)
        after_commit(session, _announce)
        return
    # Written already claimed by this process, so no relay races it for them; should it
    # die before marking them sent, the hold runs out and a relay sends them.
    held_until = epoch_ms(datetime.now(UTC)) + int(dispatcher.hold_seconds * 1000)
    for entry in entries:
        entry.update(lease=dispatcher.token, due_ms=held_until, attempts=1)
    await db[OUTBOX].insert_many(entries, session=session)
    after_commit(session, lambda: dispatcher.hand_over(entries))
