"""Job definitions. Each job only enqueues actors; the heavy work happens in the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actors.dispatch import BrokerJobQueue


@dataclass(frozen=True)
class JobSpec:
    id: str
    seconds: float  # period
    run: Callable[[BrokerJobQueue], str]
    trigger_args: dict[str, Any] = field(default_factory=dict)


def heartbeat(jobs: BrokerJobQueue) -> str:
    jobs.enqueue("system.ping", token="scheduler-heartbeat")  # noqa: S106 - not a secret
    return "enqueued system.ping"


def prescription_lock_sweep(jobs: BrokerJobQueue) -> str:
    # The stream timer locks on time; this catches whatever it missed (e.g. while down).
    jobs.enqueue("records.sweep_prescription_locks")
    return "enqueued records.sweep_prescription_locks"


def outbox_watchdog(jobs: BrokerJobQueue) -> str:
    # Relays entries no streams instance has sent for a while and reports the backlog.
    jobs.enqueue("events.relay_outbox")
    return "enqueued events.relay_outbox"


def appointment_reminders(jobs: BrokerJobQueue) -> str:
    # The sweep enqueues one job per due reminder; each re-checks and sends at most once.
    jobs.enqueue("appointments.sweep_reminders")
    return "enqueued appointments.sweep_reminders"


def document_purge_sweep(jobs: BrokerJobQueue) -> str:
    # Deleted documents whose purge job was never sent (or predates purging) lose their bytes.
    jobs.enqueue("records.sweep_document_purges")
    return "enqueued records.sweep_document_purges"


def waitlist_offers(jobs: BrokerJobQueue) -> str:
    # Offers not taken up in time go to the next patient waiting; lapsed windows close.
    jobs.enqueue("waitlist.expire_offers")
    return "enqueued waitlist.expire_offers"


JOBS: list[JobSpec] = [
    JobSpec(id="system.heartbeat", seconds=60, run=heartbeat),
    JobSpec(id="records.prescription_lock_sweep", seconds=60, run=prescription_lock_sweep),
    JobSpec(id="events.outbox_watchdog", seconds=30, run=outbox_watchdog),
    JobSpec(id="appointments.reminders", seconds=120, run=appointment_reminders),
    JobSpec(id="waitlist.offers", seconds=60, run=waitlist_offers),
    JobSpec(id="records.document_purge_sweep", seconds=600, run=document_purge_sweep),
]
