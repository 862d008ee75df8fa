"""The audit hash chain: one global, gap-free sequence, each record keyed to the previous.

`hash = HMAC-SHA256(AUDIT_HMAC_KEY, prev_hash + canonical(record))`. The key lives in the
environment only, so whoever can write to MongoDB can neither forge a record nor rebuild
the chain after editing one.

Several streams instances consume different partitions in parallel and all append to the
same chain. Appending is optimistic: take the head (highest `seq`; a writer remembers the
one it last wrote), insert the record with `seq = head + 1` and `prev_hash = head.hash`;
the unique index on `seq` lets exactly one writer win each position, and a loser re-reads
the head and tries again. A single chain keeps the verifier a plain walk in `seq` order,
and a unique index on `event_id` makes a redelivered event a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.audit.mapping import to_millis

AUDIT_LOGS = "audit_logs"
GENESIS = "0" * 64
MAX_APPEND_ATTEMPTS = 200
_NOT_HASHED = ("_id", "hash")
FILTERED_FIELDS = (
    "actor_id", "category", "action", "resource_type", "resource_id", "patient_id",
    "event_type", "outcome",
)  # fmt: skip


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    checked: int
    first_bad: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"valid": self.valid, "checked": self.checked}
        if self.first_bad is not None:
            body["first_bad"] = self.first_bad
            body["reason"] = self.reason
        return body


async def ensure_audit_indexes(db: Any) -> None:
    logs = db[AUDIT_LOGS]
    await logs.create_index("seq", unique=True)
    await logs.create_index("event_id", unique=True)
    # Admins filter by equality on one of these and read newest first: with `seq` second,
    # the index serves both the filter and the order (no in-memory sort of a big match).
    for field in FILTERED_FIELDS:
        await logs.create_index([(field, 1), ("seq", 1)])
    await logs.create_index("time")  # the from/to window and events per day


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_millis(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k not in _NOT_HASHED}
    return json.dumps(
        _plain(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def record_hash(key: bytes, prev_hash: str, record: dict[str, Any]) -> str:
    return hmac.new(key, prev_hash.encode() + canonical(record), hashlib.sha256).hexdigest()


class AuditChain:
    """Appends records for one writer (a streams process), remembering the head it last
    wrote or read: while nobody else appends, a record costs one insert. When another
    writer took the next position, or the event is recorded already, the insert hits a
    unique index; the event is then looked up, and if it is new the head is read again."""

    def __init__(self, db: Any, key: bytes) -> None:
        self._logs = db[AUDIT_LOGS]
        self._key = key
        self._head: tuple[int, str] | None = None  # (seq, hash) as last written or read

    async def append(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """Add `record` at the head of the chain; None if its event is already recorded."""
        for _ in range(MAX_APPEND_ATTEMPTS):
            if self._head is None:
                self._head = await self._read_head()
            seq, prev_hash = self._head
            doc = {
                **record,
                "seq": seq + 1,
                "prev_hash": prev_hash,
                "recorded_at": to_millis(datetime.now(UTC)),
            }
            doc["hash"] = record_hash(self._key, prev_hash, doc)
            try:
                await self._logs.insert_one(doc)
            except DuplicateKeyError:
                self._head = None
                if await self._logs.find_one({"event_id": record["event_id"]}, {"_id": 1}):
                    return None  # a redelivered event
                continue  # another writer took this position
            except BaseException:
                self._head = None  # the insert may or may not have been applied
                raise
            self._head = (doc["seq"], doc["hash"])
            return doc
        raise RuntimeError("audit chain append kept colliding; giving up for a redelivery")

    async def _read_head(self) -> tuple[int, str]:
        head = await self._logs.find_one({}, {"seq": 1, "hash": 1}, sort=[("seq", -1)])
        return (int(head["seq"]), head["hash"]) if head else (0, GENESIS)


async def append(db: Any, key: bytes, record: dict[str, Any]) -> dict[str, Any] | None:
    """Add `record` at the head of the chain, reading the head first (a one-off writer)."""
    return await AuditChain(db, key).append(record)


# The types `audit_record` and `AuditChain.append` write. The canonical form hashes a date
# and its text, or an id and its ObjectId, alike; changing a field's type keeps the hash but
# hides the record from the filters (which compare strings, and dates for `time`), so the
# verifier checks the types too.
_TEXT_FIELDS = (*FILTERED_FIELDS, "event_id", "actor_role", "ip", "request_id", "user_agent",
                "source", "prev_hash", "hash")  # fmt: skip
_DATE_FIELDS = ("time", "recorded_at")


def _retyped(doc: dict[str, Any]) -> str | None:
    for field in _TEXT_FIELDS:
        if doc.get(field) is not None and not isinstance(doc[field], str):
            return f"{field} is not text as written"
    for field in _DATE_FIELDS:
        if doc.get(field) is not None and not isinstance(doc[field], datetime):
            return f"{field} is not a date as written"
    return None


async def verify(db: Any, key: bytes, batch_size: int = 1000) -> ChainReport:
    """Walk the chain in order; report the first record that breaks it.

    Detects an edited record (its hash, or a field whose type was changed), a deleted one
    (a gap in `seq`), an inserted or reordered one (`prev_hash` or `seq` out of line) and
    a chain recomputed without the key.
    """
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    cursor = db[AUDIT_LOGS].find({}).sort("seq", 1).batch_size(batch_size)
    async for doc in cursor:
        checked += 1
        reason = None
        if doc.get("seq") != expected_seq:
            reason = f"expected seq {expected_seq}, found {doc.get('seq')}"
        elif doc.get("prev_hash") != prev_hash:
            reason = "prev_hash does not match the previous record"
        elif not hmac.compare_digest(str(doc.get("hash")), record_hash(key, prev_hash, doc)):
            reason = "hash does not match the record"
        else:
            reason = _retyped(doc)
        if reason:
            return ChainReport(False, checked, str(doc["_id"]), reason)
        prev_hash = doc["hash"]
        expected_seq += 1
    return ChainReport(True, checked)
