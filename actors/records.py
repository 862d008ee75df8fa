"""Medical-record jobs: the prescription lock the scheduler's sweep fans out."""

from __future__ import annotations

import dramatiq

from actors.context import run_async, worker_db, worker_mongo


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
