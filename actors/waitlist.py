"""Waiting-list jobs: offering a freed slot, and the sweep that ends lapsed offers."""

from __future__ import annotations

import dramatiq

from actors.context import run_async, worker_db, worker_mongo

QUEUE = "appointments"


@dramatiq.actor(actor_name="waitlist.offer_slot", queue_name=QUEUE)
def offer_slot(doctor_id: str, start: str, end: str) -> None:
    """Idempotent: a slot already booked or offered is left alone."""
    from domain.shared.clock import as_utc, utcnow
    from domain.waitlist.offers import offer_slot as offer

    run_async(
        offer(worker_mongo(), worker_db(), doctor_id, as_utc(start), as_utc(end), now=utcnow())
    )


@dramatiq.actor(actor_name="waitlist.expire_offers", queue_name=QUEUE, max_retries=0)
def expire_offers() -> None:
    # No retry: the scheduler runs the next sweep within a minute anyway.
    from domain.waitlist.offers import expire_offers as expire

    run_async(expire(worker_mongo(), worker_db()))
