"""P3: sign-in throughput against the machine's bcrypt capacity, and liveness under a
sign-in flood.

- logins/s of one `esante web` process ÷ (cores ÷ time of one bcrypt.checkpw at the
  configured cost, measured in this run): how much of the CPU that bcrypt could use
  actually turns into sign-ins (target ≥ 0.90).
- /health/live p99 during the flood ÷ its idle p99: bcrypt runs off the event loop, so
  the process stays responsive while every core hashes (target ≤ 2).

Run alone with `python -m bench.auth_login`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt
import httpx
from bson import ObjectId

from bench.support import bench_stack, percentile, row, web_server
from domain.accounts import Role, User
from domain.accounts.repository import USERS

ROUNDS = 12  # the production default
ACCOUNTS = 20
PASSWORD = "bench password 123"
FLOOD_SECONDS = 12.0
PROBE_SECONDS = 8.0
PROBE_INTERVAL = 0.02


def checkpw_seconds(samples: int = 7) -> float:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(ROUNDS))
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        bcrypt.checkpw(PASSWORD.encode(), hashed)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def seed_users(env: dict[str, str]) -> list[str]:
    """Verified patients sharing one hash (each sign-in still runs a full checkpw)."""
    from pymongo import MongoClient

    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(ROUNDS)).decode()
    now = datetime.now(UTC)
    emails = [f"bench-{i}@example.com" for i in range(ACCOUNTS)]
    with MongoClient(env["MONGODB_URL"]) as client:
        client[env["MONGODB_DB"]][USERS].insert_many(
            [
                User(
                    id=str(ObjectId()),
                    email=email,
                    role=Role.PATIENT,
                    first_name="Bench",
                    last_name=str(i),
                    password_hash=hashed,
                    email_verified=True,
                    active=True,
                    created_at=now,
                ).to_doc()
                for i, email in enumerate(emails)
            ]
        )
    return emails


async def _probe(url: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/health/live")  # connect first
        stop_at = time.perf_counter() + seconds
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = await client.get("/health/live")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            await asyncio.sleep(max(0.0, PROBE_INTERVAL - (time.perf_counter() - started)))
    return latencies


def probe(url: str, seconds: float) -> list[float]:
    """/health/live one request at a time, every PROBE_INTERVAL seconds. Runs in a process
    of its own so that the load generator's work never delays the probe's requests."""
    return asyncio.run(_probe(url, seconds))


async def flood(
    client: httpx.AsyncClient, emails: list[str], seconds: float, concurrency: int
) -> tuple[int, dict[int, int], float]:
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        n = index
        while time.perf_counter() < stop_at:
            email = emails[n % len(emails)]
            n += concurrency
            response = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return statuses.get(200, 0), statuses, time.perf_counter() - started


async def measure(url: str, emails: list[str], cores: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as prober:
        await loop.run_in_executor(prober, probe, url, 0.5)  # start the probe process
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as load:
            await flood(load, emails, 2.0, cores * 2)  # warm-up
            idle = await loop.run_in_executor(prober, probe, url, PROBE_SECONDS / 2)
            concurrency = cores * 3
            ok, statuses, elapsed = await flood(load, emails, FLOOD_SECONDS, concurrency)
            busy_probe = loop.run_in_executor(prober, probe, url, PROBE_SECONDS)
            await flood(load, emails, PROBE_SECONDS + 1.0, concurrency)
            busy = await busy_probe
            # Idle both before and after the floods, so that drift in the machine's other
            # load weighs on both sides of the ratio.
            idle += await loop.run_in_executor(prober, probe, url, PROBE_SECONDS / 2)
    return {"ok": ok, "statuses": statuses, "elapsed": elapsed, "idle": idle, "busy": busy}


def run() -> list[dict[str, Any]]:
    cores = os.cpu_count() or 1
    with bench_stack() as env:
        env = {**env, "BCRYPT_ROUNDS": str(ROUNDS)}
        log_dir = Path(tempfile.mkdtemp(prefix="esante-bench-auth-"))
        with web_server(env, log_dir) as url:
            emails = seed_users(env)
            check = checkpw_seconds()
            result = asyncio.run(measure(url, emails, cores))
            check = (check + checkpw_seconds()) / 2  # before and after: the machine drifts
    capacity = cores / check
    rate = result["ok"] / result["elapsed"]
    idle_p99 = percentile(result["idle"], 99)
    busy_p99 = percentile(result["busy"], 99)
    return [
        row(
            "P3",
            "logins/s ÷ (cores ÷ one bcrypt.checkpw)",
            rate / capacity,
            "≥ 0.90",
            f"{rate:.2f} logins/s over {result['elapsed']:.1f}s (statuses {result['statuses']}); "
            f"checkpw {check * 1000:.0f} ms at cost {ROUNDS}, {cores} cores: = "
            f"{capacity:.2f}/s",
        ),
        row(
            "P3",
            "/health/live p99 during a login flood ÷ idle p99",
            busy_p99 / idle_p99,
            "≤ 2",
            f"idle p99 {idle_p99 * 1000:.1f} ms ({len(result['idle'])} probes), "
            f"flood p99 {busy_p99 * 1000:.1f} ms ({len(result['busy'])} probes)",
        ),
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
