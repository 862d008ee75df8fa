"""Medical-record jobs: the prescription lock the scheduler's sweep fans out, the upload
check that makes a document downloadable or not, and removing a deleted document's bytes
(sent at deletion, and by a sweep for any that job missed)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import dramatiq

from actors.context import run_async, worker_db, worker_mongo
from config.settings import get_settings


@dramatiq.actor(actor_name="records.lock_prescription", queue_name="records")
def lock_prescription(prescription_id: str) -> None:
    """Re-checks the window itself: a late or repeated job finds nothing to do."""
    from domain.records.prescription_lock import lock_if_due

    run_async(lock_if_due(worker_mongo(), worker_db(), prescription_id))


@dramatiq.actor(actor_name="records.sweep_prescription_locks", queue_name="records", max_retries=0)
def sweep_prescription_locks() -> None:
    """The safety net behind the stream timer: one lock job per overdue prescription."""
    from domain.records.prescription_lock import due_prescriptions

    for prescription_id in run_async(due_prescriptions(worker_db())):
        lock_prescription.send(prescription_id)


@lru_cache(maxsize=1)
def _s3() -> Any:
    from infra.s3 import create_s3_client

    return create_s3_client(get_settings().s3)


@dramatiq.actor(actor_name="records.scan_document", queue_name="records")
def scan_document(document_id: str) -> None:
    """Idempotent: a document already scanned (or deleted, or unknown) is left alone."""
    from domain.records.document_storage import DocumentStorage
    from domain.records.documents import scan_document as scan
    from domain.records.scanning import scan_engine

    storage = DocumentStorage(_s3(), get_settings().s3.bucket)
    run_async(scan(worker_mongo(), worker_db(), storage, document_id, scan_engine()))


@dramatiq.actor(actor_name="records.purge_document", queue_name="records")
def purge_document(document_id: str) -> None:
    """Removes a deleted document's bytes; retried (then dead-lettered) while S3 fails, and
    a no-op for a document that is live, unknown or already purged."""
    from domain.records.document_purge import purge_document_bytes
    from domain.records.document_storage import DocumentStorage

    storage = DocumentStorage(_s3(), get_settings().s3.bucket)
    run_async(purge_document_bytes(worker_db(), storage, document_id))


@dramatiq.actor(actor_name="records.sweep_document_purges", queue_name="records", max_retries=0)
def sweep_document_purges() -> None:
    """The safety net behind the job sent at deletion: one purge job per deleted document
    whose bytes are still stored."""
    from domain.records.document_purge import documents_to_purge

    for document_id in run_async(documents_to_purge(worker_db())):
        purge_document.send(document_id)
