"""The outbox relay: claims pending entries, hands them to a sender, marks them sent.

Several relays may run at once (one per streams instance, plus the scheduler's watchdog).
Each claims a batch under a lease: one `update_many` moves the entries' `due_ms`
into the future and stamps them with a fresh `lease` token. Every document update is
atomic and re-checks the filter, so an entry is claimed by one relay only; the relay then
reads back exactly the entries carrying its token. A relay that dies mid-batch leaves
its entries to be claimed again when the lease runs out, so nothing is lost and, in normal
operation, nothing is sent twice (consumers are idempotent by event id for the rare resend
after a crash between the send and the mark).

A process that dispatches its own entries (`domain.events.outbox.Dispatcher`) writes them
already held under its token and hands them to `deliver` itself, as a relay does after
its claim; `release` gives them back to the relays when it cannot send them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.events.outbox import OUTBOX
from domain.shared.clock import epoch_ms

LEASE_SECONDS = 30.0
MIN_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 300.0
SENT_RETENTION_SECONDS = 7 * 86_400

# Sends entries to Kafka; returns, per entry in order, None when acknowledged or the error.
Sender = Callable[[Sequence[dict[str, Any]]], Awaitable[list[BaseException | None]]]


@dataclass(frozen=True)
class RelayResult:
    claimed: int
    sent: int
    failed: int


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age_seconds: float  # 0 when nothing is pending
    failing: int  # pending entries that have failed at least once


async def ensure_outbox_indexes(db: Any) -> None:
    outbox = db[OUTBOX]
    await outbox.create_index([("status", 1), ("due_ms", 1)])
    await outbox.create_index([("lease", 1)])
    # Sent entries are kept a while for inspection, then expire (pending ones have no sent_at).
    await outbox.create_index("sent_at", expireAfterSeconds=SENT_RETENTION_SECONDS)


def backoff_seconds(attempts: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, MIN_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


async def claim(
    db: Any,
    *,
    limit: int = 200,
    lease_seconds: float = LEASE_SECONDS,
    older_than_seconds: float = 0.0,
    now: datetime | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Claim up to `limit` due entries, oldest first. Returns the lease token and entries.

    `older_than_seconds` lets a watchdog take only entries the streams relays have left
    behind, so it never races them for fresh ones.
    """
    now = now or datetime.now(UTC)
    outbox = db[OUTBOX]
    due: dict[str, Any] = {"status": "pending", "due_ms": {"$lte": epoch_ms(now)}}
    if older_than_seconds:
        due["created_at"] = {"$lte": now - timedelta(seconds=older_than_seconds)}
    token = uuid.uuid4().hex
    for _ in range(3):  # another relay may take every candidate between find and update
        cursor = outbox.find(due, {"_id": 1}).sort("created_at", 1).limit(limit)
        candidates = [doc["_id"] async for doc in cursor]
        if not candidates:
            return "", []
        await outbox.update_many(
            {**due, "_id": {"$in": candidates}},
            {
                "$set": {
                    "due_ms": epoch_ms(now + timedelta(seconds=lease_seconds)),
                    "lease": token,
                    "claimed_ms": epoch_ms(now),
                },
                "$inc": {"attempts": 1},
            },
        )
        entries = [doc async for doc in outbox.find({"lease": token})]
        if entries:
            order = {entry_id: index for index, entry_id in enumerate(candidates)}
            entries.sort(key=lambda doc: order.get(doc["_id"], len(order)))
            return token, entries
    return "", []


async def mark_sent(db: Any, token: str, ids: Sequence[str]) -> None:
    if ids:
        await db[OUTBOX].update_many(
            {"_id": {"$in": list(ids)}, "lease": token},
            {"$set": {"status": "sent", "sent_at": datetime.now(UTC)}, "$unset": {"lease": ""}},
        )


async def mark_failed(db: Any, token: str, entry: dict[str, Any], error: BaseException) -> None:
    """Give the entry back with a growing delay before the next attempt."""
    delay = backoff_seconds(int(entry.get("attempts", 1)))
    await db[OUTBOX].update_one(
        {"_id": entry["_id"], "lease": token},
        {
            "$set": {
                "due_ms": epoch_ms(datetime.now(UTC) + timedelta(seconds=delay)),
                "last_error": f"{type(error).__name__}: {error}"[:500],
            },
            "$unset": {"lease": ""},
        },
    )


async def relay_once(
    db: Any,
    send: Sender,
    *,
    limit: int = 200,
    lease_seconds: float = LEASE_SECONDS,
    older_than_seconds: float = 0.0,
) -> RelayResult:
    """One pass: claim a batch, send it, record the outcome of each entry."""
    token, entries = await claim(
        db, limit=limit, lease_seconds=lease_seconds, older_than_seconds=older_than_seconds
    )
    if not entries:
        return RelayResult(0, 0, 0)
    return await deliver(db, token, entries, send)


async def deliver(
    db: Any, token: str, entries: Sequence[dict[str, Any]], send: Sender
) -> RelayResult:
    """Send entries held under `token`, mark the acknowledged ones sent and give each
    refused one back with a growing delay."""
    try:
        outcomes = await send(entries)
    except Exception as exc:  # the whole batch failed (broker unreachable, ...)
        outcomes = [exc] * len(entries)
    sent = [entry["_id"] for entry, error in zip(entries, outcomes, strict=True) if error is None]
    await mark_sent(db, token, sent)
    failed = 0
    for entry, error in zip(entries, outcomes, strict=True):
        if error is not None:
            failed += 1
            await mark_failed(db, token, entry, error)
    return RelayResult(len(entries), len(sent), failed)


async def release(db: Any, token: str, ids: Sequence[str] | None = None) -> None:
    """Give the pending entries held under `token` (all, or those of `ids`) back to the
    relays, due at once."""
    held: dict[str, Any] = {"lease": token, "status": "pending"}
    if ids is not None:
        held["_id"] = {"$in": list(ids)}
    await db[OUTBOX].update_many(
        held,
        {"$set": {"due_ms": epoch_ms(datetime.now(UTC))}, "$unset": {"lease": ""}},
    )


async def backlog(db: Any, now: datetime | None = None) -> Backlog:
    """How much is waiting to reach Kafka, and for how long the oldest has waited."""
    now = now or datetime.now(UTC)
    outbox = db[OUTBOX]
    pending = await outbox.count_documents({"status": "pending"})
    if not pending:
        return Backlog(0, 0.0, 0)
    oldest = await outbox.find_one(
        {"status": "pending"}, {"created_at": 1}, sort=[("created_at", 1)]
    )
    failing = await outbox.count_documents({"status": "pending", "last_error": {"$exists": True}})
    age = 0.0
    if oldest and oldest.get("created_at"):
        created = oldest["created_at"]
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        age = max(0.0, (now - created).total_seconds())
    return Backlog(pending, age, failing)
