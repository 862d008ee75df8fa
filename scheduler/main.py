"""Runs the scheduler process."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime

import redis
from apscheduler.schedulers.blocking import BlockingScheduler

from actors.broker import configure_broker
from actors.dispatch import BrokerJobQueue
from config.logging import configure_logging, get_logger
from config.settings import Settings, get_settings
from domain.shared.clock import iso_z
from scheduler.inspection import SCHEDULE_KEY
from scheduler.jobs import JOBS, JobSpec
from scheduler.locking import record_result, try_acquire

log = get_logger(__name__)


def run_locked(client: redis.Redis, spec: JobSpec) -> None:
    if not try_acquire(client, spec.id, spec.seconds):
        log.debug("job_skipped_other_replica", job=spec.id)
        return
    try:
        result = spec.run(BrokerJobQueue())
    except Exception as exc:
        log.exception("job_failed", job=spec.id)
        record_result(client, spec.id, f"error: {type(exc).__name__}")
        return
    record_result(client, spec.id, result)
    log.info("job_ran", job=spec.id, result=result)


def publish_schedule(client: redis.Redis, scheduler: BlockingScheduler) -> None:
    """Where the admin API reads next run times (it does not share this process)."""
    rows: dict[str | bytes | bytearray | memoryview[int] | int | float, str] = {
        job.id: json.dumps(
            {
                "next_run_time": iso_z(job.next_run_time) if job.next_run_time else None,
                "trigger": str(job.trigger),
                "published_at": time.time(),
            }
        )
        for job in scheduler.get_jobs()
    }
    if rows:
        client.hset(SCHEDULE_KEY, mapping=rows)


def build_scheduler(settings: Settings, client: redis.Redis) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    now = datetime.now(UTC)
    for spec in JOBS:
        # First run at start: a sweep that was due while no scheduler ran happens at once.
        scheduler.add_job(
            run_locked,
            "interval",
            seconds=spec.seconds,
            id=spec.id,
            args=[client, spec],
            next_run_time=now,
            **spec.trigger_args,
        )
    scheduler.add_job(
        publish_schedule, "interval", seconds=15, id="scheduler.publish", args=[client, scheduler]
    )
    return scheduler


def main() -> None:
    settings = get_settings()
    configure_logging(settings.app.log_level, settings.app.log_json, process="scheduler")
    configure_broker(settings)
    import actors.registry  # noqa: F401 - the jobs enqueue these actors by name

    client = redis.Redis.from_url(settings.redis.url, socket_timeout=5)
    scheduler = build_scheduler(settings, client)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler_started", jobs=[spec.id for spec in JOBS])
    scheduler.add_job(publish_schedule, id="scheduler.publish.initial", args=[client, scheduler])
    scheduler.start()


if __name__ == "__main__":
    main()
