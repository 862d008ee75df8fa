"""Removing a deleted document's bytes from S3, after the soft delete has committed.

The metadata row stays (the audit trail names it); the bytes go, so a signed URL handed
out before the deletion stops working and nothing is kept that its owner deleted. This
runs as a job rather than in the request: a failing S3 call is retried by the worker
instead of failing (or half-doing) the deletion the client asked for.
"""

from __future__ import annotations

from typing import Any

from domain.records.collections import DOCUMENTS, object_id
from domain.records.document_storage import DocumentStorage
from domain.shared.clock import utcnow

PURGE_ACTOR = "records.purge_document"


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
