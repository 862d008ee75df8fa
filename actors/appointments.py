"""Appointment reminders: a sweep finds what is due, one job per reminder sends it once."""

from __future__ import annotations

import dramatiq

from actors.context import run_async, worker_db, worker_mongo
from actors.dispatch import BrokerJobQueue
from domain.appointments import reminders

QUEUE = "appointments"
SEND_REMINDER = "appointments.send_reminder"


@dramatiq.actor(actor_name="appointments.sweep_reminders", queue_name=QUEUE, max_retries=0)
def sweep_reminders() -> None:
    # No retry: the scheduler runs the next sweep within minutes anyway.
    due = run_async(reminders.due_reminders(worker_db()))
    jobs = BrokerJobQueue()
    for appointment_id, kind in due:
        jobs.enqueue(SEND_REMINDER, appointment_id=appointment_id, kind=kind)


@dramatiq.actor(actor_name=SEND_REMINDER, queue_name=QUEUE)
def send_reminder(appointment_id: str, kind: str) -> None:
    # Re-checks status and timing, and sends nothing if this reminder went out already.
    run_async(reminders.send_reminder(worker_mongo(), worker_db(), appointment_id, kind))
