"""Appointments: listing throughput against a bare framework, what JWT verification costs,
and booking latency when 500 patients race for one slot.

- P1: authenticated GET /api/v1/appointments (20 items) req/s ÷ a bare Litestar JSON
  hello-world served the same way (uvicorn, one process) in the same run (target ≥ 0.35).
- P2: the same endpoint with JWT verification ÷ the same app reading the caller from the
  token unverified (bench/apps.py) (target ≥ 0.90).
- P4: 500 concurrent bookings of one slot (exactly one 201, no 5xx): p99 latency ÷ p99 of
  500 concurrent bookings of 500 different slots (target ≤ 3).

Load comes from this process over loopback. Run alone with `python -m bench.appointments`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId

from bench.support import bench_stack, closed_loop, percentile, row, web_server

CONCURRENCY = 16
WARMUP_SECONDS = 1.0
LOAD_SECONDS = 4.0
ROUNDS = 2
RACERS = 500
LISTED = 20
ALL_DAY = {
    "timezone": "UTC",
    "slot_minutes": 5,
    "weekly": [{"weekday": d, "start": "00:00", "end": "23:55"} for d in range(7)],
}
REAL_APP = "api.asgi:create_asgi"


def token_for(user_id: str, role: str) -> str:
    from config.settings import get_settings
    from domain.accounts.access_tokens import issue_access_token
    from domain.accounts.roles import Role

    get_settings.cache_clear()  # the bench stack's environment, not the caller's
    # Valid through the whole run, however long the default lifetime is.
    settings = get_settings().auth.model_copy(update={"access_token_minutes": 30})
    token, _ = issue_access_token(
        settings, user_id=user_id, role=Role(role), token_version=0, session_id=None
    )
    return token


def seed(env: dict[str, str]) -> dict[str, Any]:
    """Doctors with all-day availability, patients, and 20 appointments for the lister."""
    from pymongo import MongoClient

    now = datetime.now(UTC)
    doctors = {name: str(ObjectId()) for name in ("listed", "race", "spread")}
    patients = [str(ObjectId()) for _ in range(RACERS)]
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)

    def user(user_id: str, role: str) -> dict[str, Any]:
        return {
            "_id": ObjectId(user_id), "email": f"{user_id}@bench.test", "role": role,
            "first_name": "Bench", "last_name": role, "password_hash": "-",
            "email_verified": True, "active": True, "created_at": now, "token_version": 0,
        }  # fmt: skip

    with MongoClient(env["MONGODB_URL"]) as client:
        db = client[env["MONGODB_DB"]]
        db.users.insert_many(
            [user(d, "doctor") for d in doctors.values()] + [user(p, "patient") for p in patients]
        )
        db.availability.insert_many([{"_id": d, **ALL_DAY} for d in doctors.values()])
        lister = patients[0]
        db.appointments.insert_many(
            [
                {
                    "patient_id": lister,
                    "doctor_id": doctors["listed"],
                    "start": tomorrow + timedelta(minutes=5 * i),
                    "end": tomorrow + timedelta(minutes=5 * i + 5),
                    "timezone": "UTC",
                    "status": "requested",
                    "reason": "bench",
                    "mode": "in_person",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(LISTED)
            ]
        )
    return {
        "doctors": doctors,
        "lister": token_for(patients[0], "patient"),
        "patients": [token_for(p, "patient") for p in patients],
        "first_slot": tomorrow + timedelta(days=1),
    }


async def list_rate(url: str, token: str) -> tuple[float, dict[int, int]]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        first = await http.get("/api/v1/appointments", headers=headers)
        assert first.status_code == 200 and len(first.json()["items"]) == LISTED, first.text

        async def call() -> int:
            return (await http.get("/api/v1/appointments", headers=headers)).status_code

        await closed_loop(call, concurrency=CONCURRENCY, duration=WARMUP_SECONDS)
        result = await closed_loop(call, concurrency=CONCURRENCY, duration=LOAD_SECONDS)
    return result.rate, result.statuses


async def hello_rate(url: str) -> float:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:

        async def call() -> int:
            return (await http.get("/hello")).status_code

        await closed_loop(call, concurrency=CONCURRENCY, duration=WARMUP_SECONDS)
        return (await closed_loop(call, concurrency=CONCURRENCY, duration=LOAD_SECONDS)).rate


async def burst(
    url: str, doctor_id: str, tokens: list[str], starts: list[datetime]
) -> tuple[list[float], Counter[int]]:
    """Every booking sent at once; latency of each, and the statuses."""
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        go = asyncio.Event()

        async def book(token: str, start: datetime) -> tuple[float, int]:
            await go.wait()
            began = time.perf_counter()
            response = await http.post(
                "/api/v1/appointments",
                json={
                    "doctor_id": doctor_id,
                    "start": start.isoformat().replace("+00:00", "Z"),
                    "reason": "bench",
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            return time.perf_counter() - began, response.status_code

        tasks = [asyncio.create_task(book(t, s)) for t, s in zip(tokens, starts, strict=True)]
        await asyncio.sleep(0.2)
        go.set()
        results = await asyncio.gather(*tasks)
    return [r[0] for r in results], Counter(r[1] for r in results)


def slot_starts(first: datetime, count: int) -> list[datetime]:
    from domain.scheduling.rules import parse_availability
    from domain.scheduling.slots import schedule_slots

    availability = parse_availability("bench", ALL_DAY)
    slots = schedule_slots(availability, first.date(), first.date() + timedelta(days=3))
    return [slot.start for slot in slots if slot.start >= first][:count]


def run() -> list[dict[str, Any]]:
    with bench_stack() as env:
        log_dir = Path(tempfile.mkdtemp(prefix="esante-bench-appointments-"))
        data = seed(env)
        with web_server(env, log_dir, app="bench.apps:hello_app") as url:
            hello = asyncio.run(hello_rate(url))
        with (
            web_server(env, log_dir, app="bench.apps:unverified_asgi") as plain_url,
            web_server(env, log_dir, app=REAL_APP) as url,
        ):
            # Alternating rounds, best of each: drift of the shared machine hits both alike.
            rounds: dict[str, list[tuple[float, dict[int, int]]]] = {"plain": [], "jwt": []}
            for _ in range(ROUNDS):
                rounds["plain"].append(asyncio.run(list_rate(plain_url, data["lister"])))
                rounds["jwt"].append(asyncio.run(list_rate(url, data["lister"])))
            unverified, unverified_statuses = max(rounds["plain"], key=lambda r: r[0])
            verified, verified_statuses = max(rounds["jwt"], key=lambda r: r[0])
        with web_server(env, log_dir, app=REAL_APP) as url:
            first = data["first_slot"]
            spread_starts = slot_starts(first, RACERS)
            spread, spread_statuses = asyncio.run(
                burst(url, data["doctors"]["spread"], data["patients"], spread_starts)
            )
            race, race_statuses = asyncio.run(
                burst(url, data["doctors"]["race"], data["patients"], [first] * RACERS)
            )
    race_ok = race_statuses.get(201) == 1 and not any(s >= 500 for s in race_statuses)
    race_p99, spread_p99 = percentile(race, 99), percentile(spread, 99)
    return [
        row(
            "P1",
            "GET /appointments (20 items) req/s ÷ bare Litestar hello-world req/s",
            verified / hello,
            "≥ 0.35",
            f"{verified:.0f} req/s (statuses {dict(verified_statuses)}) vs hello-world "
            f"{hello:.0f} req/s; {CONCURRENCY} connections, {LOAD_SECONDS:.0f}s runs (best of "
            f"{ROUNDS} for the API), one uvicorn process each",
        ),
        row(
            "P2",
            "GET /appointments req/s with JWT verification ÷ without",
            verified / unverified,
            "≥ 0.90",
            f"{verified:.0f} req/s verified vs {unverified:.0f} req/s unverified "
            f"(statuses {dict(unverified_statuses)})",
        ),
        row(
            "P4",
            f"p99 of {RACERS} concurrent bookings of one slot ÷ of {RACERS} on {RACERS} slots",
            race_p99 / spread_p99 if race_ok else float("inf"),
            "≤ 3",
            f"one slot: p99 {race_p99 * 1000:.0f} ms, statuses {dict(race_statuses)}"
            f"{'' if race_ok else ' (NOT exactly one 201 without 5xx)'}; "
            f"{RACERS} slots: p99 {spread_p99 * 1000:.0f} ms, statuses {dict(spread_statuses)}",
        ),
    ]


if __name__ == "__main__":
    print(f"cores: {os.cpu_count()}")
    for line in run():
        print(line)
