"""Medical documents: uploaded by the patient or a treating doctor, scanned, then served
through short-lived signed URLs. Metadata lives in MongoDB, the bytes in S3.

Life cycle: `pending_scan` → `available` | `rejected` (by the `records.scan_document`
actor); a document is deleted softly, by its uploader only, and then reads as missing; its
bytes are removed from S3 by a job once the deletion has committed (`document_purge`).
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from domain.care.relationship import require_patient_access
from domain.events import Actor, EventContext, EventType, publish
from domain.records.access_audit import record_read
from domain.records.collections import CONSULTATIONS, DOCUMENTS, find_by_id, object_id
from domain.records.document_purge import PURGE_ACTOR
from domain.records.document_storage import DocumentStorage, new_storage_key
from domain.records.events import record_event
from domain.records.file_types import extension, sniff
from domain.records.paging import patient_records_page
from domain.records.scanning import ScanEngine, ScanVerdict
from domain.records.text import optional_text, required_id, required_text
from domain.shared.clock import iso_z, utcnow
from domain.shared.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)
from domain.shared.jobs import JobQueue
from domain.shared.transaction import run_in_transaction

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_TITLE = 200
MAX_CATEGORY = 50
SCAN_ACTOR = "records.scan_document"

PENDING_SCAN = "pending_scan"
AVAILABLE = "available"
REJECTED = "rejected"


def document_view(doc: dict[str, Any]) -> dict[str, Any]:
    view = {
        "id": str(doc["_id"]),
        "patient_id": doc["patient_id"],
        "consultation_id": doc.get("consultation_id"),
        "title": doc["title"],
        "category": doc["category"],
        "content_type": doc["content_type"],
        "size": doc["size"],
        "status": doc["status"],
        "uploaded_by": doc["uploaded_by"],
        "uploader_role": doc["uploader_role"],
        "created_at": iso_z(doc["created_at"]),
        "updated_at": iso_z(doc["updated_at"]),
    }
    if doc.get("status") == REJECTED and doc.get("scan"):
        view["rejection_reason"] = doc["scan"].get("reason")
    return view


def check_file(data: bytes) -> str:
    """The content type of an acceptable file, or the refusal a client should see."""
    if not data:
        raise InvalidInput("the file is empty", field="file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TooLarge(f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    content_type = sniff(data[:16])
    if content_type is None:
        raise UnsupportedMediaType("only PDF, JPEG and PNG files are accepted")
    return content_type


async def _visible_document(db: Any, caller: Actor, document_id: str) -> dict[str, Any]:
    doc = await find_by_id(db, DOCUMENTS, document_id)
    if doc is None or doc.get("deleted"):
        raise NotFound("document not found")
    await require_patient_access(db, caller, doc["patient_id"], what="document")
    return doc


async def upload_document(
    client: Any,
    db: Any,
    storage: DocumentStorage,
    jobs: JobQueue,
    caller: Actor,
    fields: dict[str, Any],
    data: bytes,
    context: EventContext | None = None,
) -> dict[str, Any]:
    if caller.role not in ("patient", "doctor") or caller.id is None:
        raise Forbidden("only patients and their doctors upload documents")
    patient_id = required_id(fields.get("patient_id"), "patient_id")
    title = required_text(fields.get("title"), "title", MAX_TITLE)
    category = required_text(fields.get("category"), "category", MAX_CATEGORY).lower()
    consultation_id = optional_text(fields.get("consultation_id"), "consultation_id", 64)
    try:
        await require_patient_access(db, caller, patient_id, what="patient")
    except NotFound as exc:
        raise NotFound("patient not found", field="patient_id") from exc
    if consultation_id is not None:
        consultation = await find_by_id(db, CONSULTATIONS, consultation_id)
        if consultation is None or consultation["patient_id"] != patient_id:
            raise NotFound("consultation not found", field="consultation_id")
    content_type = check_file(data)

    now = utcnow()
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "patient_id": patient_id,
        "doctor_id": caller.id if caller.role == "doctor" else None,
        "consultation_id": consultation_id,
        "title": title,
        "category": category,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "storage_key": new_storage_key(),
        "status": PENDING_SCAN,
        "uploaded_by": caller.id,
        "uploader_role": caller.role,
        "created_at": now,
        "updated_at": now,
        # A flag rather than `deleted_at: null`: the embedded store counts null matches
        # differently from how it finds them.
        "deleted": False,
    }
    # Bytes first: a metadata row never points at nothing. If the row cannot be written,
    # the orphan object is removed.
    await storage.put(doc["storage_key"], data, content_type)

    async def write(session: Any) -> None:
        await db[DOCUMENTS].insert_one(doc, session=session)
        await publish(
            db,
            record_event(
                EventType.DOCUMENT_UPLOADED,
                caller,
                "document",
                doc,
                context,
                consultation_id=consultation_id,
                content_type=content_type,
                size=len(data),
            ),
            session=session,
        )

    try:
        await run_in_transaction(client, write)
    except BaseException:
        with contextlib.suppress(Exception):
            await storage.delete(doc["storage_key"])
        raise
    jobs.enqueue(SCAN_ACTOR, document_id=str(doc["_id"]))
    return document_view(doc)


async def get_document(
    db: Any, caller: Actor, document_id: str, context: EventContext | None = None
) -> dict[str, Any]:
    doc = await _visible_document(db, caller, document_id)
    await record_read(db, caller, "document", doc, context)
    return document_view(doc)


async def list_documents(
    db: Any,
    caller: Actor,
    patient_id: str | None,
    *,
    page: int,
    page_size: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    return await patient_records_page(
        db,
        caller,
        patient_id,
        collection=DOCUMENTS,
        view=document_view,
        what="documents",
        page=page,
        page_size=page_size,
        context=context,
        extra_query={"deleted": False},
    )


async def download_document(
    db: Any,
    storage: DocumentStorage,
    caller: Actor,
    document_id: str,
    *,
    url_seconds: int,
    context: EventContext | None = None,
) -> dict[str, Any]:
    doc = await _visible_document(db, caller, document_id)
    if doc["status"] != AVAILABLE:
        if doc["status"] == PENDING_SCAN:
            raise Conflict("the document is still being checked; try again shortly")
        raise Conflict("the document was rejected by the upload check and cannot be downloaded")
    now = utcnow()
    url = await storage.signed_download_url(
        doc["storage_key"],
        filename=f"{document_id}.{extension(doc['content_type'])}",
        content_type=doc["content_type"],
        seconds=url_seconds,
    )
    await record_read(db, caller, "document", doc, context, view="download")
    return {"url": url, "expires_at": iso_z(now + timedelta(seconds=url_seconds))}


async def delete_document(
    client: Any,
    db: Any,
    jobs: JobQueue,
    caller: Actor,
    document_id: str,
    context: EventContext | None = None,
) -> None:
    doc = await _visible_document(db, caller, document_id)
    if doc["uploaded_by"] != caller.id:
        raise Forbidden("only the person who uploaded a document may delete it")

    async def write(session: Any) -> None:
        now = utcnow()
        deleted = await db[DOCUMENTS].find_one_and_update(
            {"_id": doc["_id"], "uploaded_by": caller.id, "deleted": False},
            {
                "$set": {
                    "deleted": True,
                    "deleted_at": now,
                    "deleted_by": caller.id,
                    "updated_at": now,
                }
            },
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if deleted is None:
            raise NotFound("document not found")
        await publish(
            db,
            record_event(EventType.DOCUMENT_DELETED, caller, "document", deleted, context),
            session=session,
        )

    await run_in_transaction(client, write)
    # The row stays for the audit trail; the bytes go, so that a signed URL handed out
    # before now stops working too.
    jobs.enqueue(PURGE_ACTOR, document_id=str(doc["_id"]))


async def scan_document(
    client: Any, db: Any, storage: DocumentStorage, document_id: str, engine: ScanEngine
) -> str | None:
    """Scan a pending document and mark it available or rejected; the new status, or None
    when there was nothing to do (already scanned, deleted, unknown): safe to run twice."""
    oid = object_id(document_id)
    doc = await db[DOCUMENTS].find_one({"_id": oid}) if oid is not None else None
    if doc is None or doc["status"] != PENDING_SCAN or doc.get("deleted"):
        return None  # a deleted document's bytes may already be gone: nothing to scan
    data = await storage.read(doc["storage_key"])
    verdict = engine.scan(data)
    if verdict.clean and hashlib.sha256(data).hexdigest() != doc["sha256"]:
        verdict = ScanVerdict(False, "stored file does not match the upload")
    status = AVAILABLE if verdict.clean else REJECTED
    now = utcnow()

    async def write(session: Any) -> dict[str, Any] | None:
        scanned = await db[DOCUMENTS].find_one_and_update(
            {"_id": oid, "status": PENDING_SCAN},
            {
                "$set": {
                    "status": status,
                    "scan": {"engine": engine.name, "reason": verdict.reason, "scanned_at": now},
                    "updated_at": now,
                }
            },
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if scanned is None:
            return None
        await publish(
            db,
            record_event(
                EventType.DOCUMENT_SCANNED,
                Actor(id=None, role="system"),
                "document",
                scanned,
                status=status,
                reason=verdict.reason,
                # Whom to tell: the others once it is available, the uploader if refused.
                uploaded_by=scanned["uploaded_by"],
            ),
            session=session,
        )
        return scanned

    scanned = await run_in_transaction(client, write)
    if scanned is None:
        return None
    if status == REJECTED:
        # Infected or disguised bytes are never served; there is no reason to keep them.
        with contextlib.suppress(Exception):
            await storage.delete(doc["storage_key"])
    return status
