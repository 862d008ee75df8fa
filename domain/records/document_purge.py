"""Removing a deleted document's bytes from S3, after the soft delete has committed.

The metadata row stays (the audit trail names it); the bytes go, so a signed URL handed
out before the deletion stops working and nothing is kept that its owner deleted. This
runs as a job rather than in the request: a failing S3 call is retried by the worker
instead of failing (or half-doing) the deletion the client asked for.

The job is sent once the deletion has committed, not through the outbox, so a web process
that dies in between never sends it; documents deleted before purging existed never had
one either. The scheduler's sweep (`documents_to_purge`) finds both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.records.collections import DOCUMENTS, object_id
from domain.records.document_storage import DocumentStorage
from domain.shared.clock import as_utc, utcnow

PURGE_ACTOR = "records.purge_document"
# Left to the job sent at deletion first: the sweep only takes what it has not done by then.
SWEEP_AFTER = timedelta(minutes=10)


async def purge_document_bytes(db: Any, storage: DocumentStorage, document_id: str) -> bool:
    """Delete the stored object of a deleted document; True when it did. Safe to run again:
    a live, unknown or already purged document is left alone, and S3 deletes a missing key
    without complaint. An S3 failure raises, so the job is retried."""
    oid = object_id(document_id)
    doc = await db[DOCUMENTS].find_one({"_id": oid}) if oid is not None else None
    if doc is None or not doc.get("deleted") or doc.get("bytes_purged"):
        return False
    await storage.delete(doc["storage_key"])
    await db[DOCUMENTS].update_one(
        {"_id": oid}, {"$set": {"bytes_purged": True, "bytes_purged_at": utcnow()}}
    )
    return True


async def documents_to_purge(db: Any, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Deleted documents whose bytes are still stored SWEEP_AFTER after their deletion:
    what the sweep hands to the purge job."""
    cutoff = (now or utcnow()) - SWEEP_AFTER
    # `bytes_purged: None` matches the rows not purged yet (the field is set only then),
    # so the purged ones, which pile up, are not read again. The time is compared here:
    # the embedded store keeps a `$set` datetime as text, which a query would not compare.
    query = {"deleted": True, "bytes_purged": None}
    cursor = db[DOCUMENTS].find(query, {"_id": 1, "deleted_at": 1})
    due = [str(doc["_id"]) async for doc in cursor if as_utc(doc["deleted_at"]) <= cutoff]
    return due[:limit]
