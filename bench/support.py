"""What every benchmark needs: the embedded stack, real platform processes, a load client.

Servers run as real processes; load comes from this process over loopback.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from config.stack import EmbeddedStack
from config.stack.processes import free_port, spawn, terminate, wait_for_port

BENCH_ENV = {
    "ESANTE_ENV": "test",
    "LOG_LEVEL": "WARNING",
    "RATE_LIMIT_PER_MINUTE": "100000000",
    "AUTH_RATE_LIMIT_PER_MINUTE": "100000000",
    "MONGODB_DB": "bench",
}


@contextmanager
def bench_stack() -> Iterator[dict[str, str]]:
    """A private embedded stack; yields the environment for processes that use it."""
    data_dir = Path(tempfile.mkdtemp(prefix="esante-bench-"))
    stack = EmbeddedStack(data_dir, memory_mongo=True, use_preferred_ports=False, environ={})
    env = stack.start()
    full = {**os.environ, **env, **BENCH_ENV, "PYTHONUNBUFFERED": "1"}
    os.environ.update({**env, **BENCH_ENV})
    try:
        yield full
    finally:
        stack.stop()


@contextmanager
def process(
    argv: list[str], env: dict[str, str], log: Path, port: int | None = None
) -> Iterator[Any]:
    proc = spawn(argv, log, env=env)
    try:
        if port is not None and not wait_for_port(port, 60):
            raise RuntimeError(f"{argv} did not listen on {port}: {log.read_text()[-2000:]}")
        yield proc
    finally:
        terminate(proc)


@contextmanager
def web_server(env: dict[str, str], log_dir: Path, app: str | None = None) -> Iterator[str]:
    """`esante web`, or any ASGI factory `module:function` served by uvicorn the same way."""
    port = free_port()
    if app is None:
        argv = [sys.executable, "-m", "config.cli", "web", "--port", str(port)]
    else:
        argv = [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port),
                "--no-access-log", "--log-level", "warning"]  # fmt: skip
    with process(argv, env, log_dir / f"web-{port}.log", port=port):
        yield f"http://127.0.0.1:{port}"


class CpuUse:
    """CPU seconds the machine's processes used between `start()` and `stop()`, summed per
    role; a process belongs to the first role whose pattern is in its command line."""

    def __init__(self, roles: dict[str, str]) -> None:
        self.roles = roles
        self.seconds: dict[str, float] = dict.fromkeys(roles, 0.0)
        self._before: dict[int, tuple[str, float]] = {}

    def _sample(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, float]] = {}
        for proc in psutil.process_iter(["cmdline", "cpu_times"]):
            command = " ".join(proc.info["cmdline"] or ())
            role = next((r for r, pattern in self.roles.items() if pattern in command), None)
            if role is not None and proc.info["cpu_times"] is not None:
                times = proc.info["cpu_times"]
                found[proc.pid] = (role, times.user + times.system)
        return found

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> None:
        for pid, (role, used) in self._sample().items():
            self.seconds[role] += used - self._before.get(pid, (role, 0.0))[1]

    def per_job_ms(self, jobs: int) -> dict[str, float]:
        return {role: seconds / jobs * 1000 for role, seconds in self.seconds.items()}


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


async def closed_loop(
    call: Callable[[], Awaitable[int]], *, concurrency: int, duration: float
) -> LoadResult:
    """`concurrency` workers call `call` back to back for `duration` seconds."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + duration

    async def worker() -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status = await call()
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(len(latencies), time.perf_counter() - started, latencies, statuses)


def row(id_: str, measure: str, ratio: float, target: str, raw: str) -> dict[str, Any]:
    return {"id": id_, "measure": measure, "ratio": round(ratio, 3), "target": target, "raw": raw}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
