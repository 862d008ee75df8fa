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


JOBS: list[JobSpec] = [
    JobSpec(id="system.heartbeat", seconds=60, run=heartbeat),
]
