"""What the scheduler process publishes for operators: jobs, next run times, last results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from domain.shared.clock import iso_z
from scheduler.locking import RESULT_PREFIX

SCHEDULE_KEY = "scheduler:jobs"


@dataclass(frozen=True)
class JobStatus:
    id: str
    trigger: str
    next_run_time: str | None
    last_run_at: datetime | None
    last_result: str | None
    last_run_by: str | None


def _iso_z(value: str | None) -> str | None:
    # A scheduler of an earlier release published offsets (+00:00); the API speaks Z.
    return iso_z(value) if value else None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def scheduled_jobs(redis: Redis) -> list[JobStatus]:
    schedule = await redis.hgetall(SCHEDULE_KEY)
    jobs: list[JobStatus] = []
    for raw_id, raw in sorted(schedule.items()):
        job_id = _text(raw_id)
        info = json.loads(raw)
        last_raw = await redis.get(RESULT_PREFIX + job_id)
        last = json.loads(last_raw) if last_raw else {}
        jobs.append(
            JobStatus(
                id=job_id,
                trigger=info.get("trigger", ""),
                next_run_time=_iso_z(info.get("next_run_time")),
                last_run_at=datetime.fromtimestamp(last["ran_at"], UTC) if last else None,
                last_result=last.get("result"),
                last_run_by=last.get("by"),
            )
        )
    return jobs
