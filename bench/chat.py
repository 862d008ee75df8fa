"""Chat fan-out: what spreading Socket.IO over two web processes through Redis costs.

- P7: messages fanned out to 200 connected sockets, deliveries/s, with two web processes on
  the Redis manager (100 sockets on each) ÷ one web process with the in-memory manager
  (all 200 sockets), measured in the same run (target ≥ 0.50); plus p95 delivery latency
  (from `message:send` to `message:new` at each receiver) for both.

The 200 sockets are the two participants' devices (100 each) of one conversation, so each
message is one stored message (one transaction) and 199-200 deliveries: the number compares
the fan-out path, not the store. A separate socket sends, keeping a few messages in flight.
Run alone with `python -m bench.chat`.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import socketio
from bson import ObjectId

from bench.support import bench_stack, median, percentile, row, web_server

SOCKETS = 200
MESSAGES = 100
IN_FLIGHT = 4
CONNECT_BATCH = 25
ROUNDS = 3
DELIVERY_TIMEOUT = 40.0


def token_for(user_id: str) -> str:
    from config.settings import get_settings
    from domain.accounts.access_tokens import issue_access_token
    from domain.accounts.roles import Role

    get_settings.cache_clear()  # the bench stack's environment, not the caller's
    settings = get_settings().auth.model_copy(update={"access_token_minutes": 30})
    token, _ = issue_access_token(
        settings, user_id=user_id, role=Role.DOCTOR, token_version=0, session_id=None
    )
    return token


def seed(env: dict[str, str]) -> tuple[str, str]:
    """Two doctors (doctor ↔ doctor conversations need no care relationship)."""
    from pymongo import MongoClient

    now = datetime.now(UTC)
    ids = (str(ObjectId()), str(ObjectId()))
    with MongoClient(env["MONGODB_URL"]) as client:
        client[env["MONGODB_DB"]].users.insert_many(
            [
                {
                    "_id": ObjectId(i),
                    "email": f"{i}@bench.test",
                    "role": "doctor",
                    "first_name": "Bench",
                    "last_name": "Doctor",
                    "password_hash": "-",
                    "email_verified": True,
                    "active": True,
                    "created_at": now,
                    "token_version": 0,
                }
                for i in ids
            ]
        )
    return ids


async def open_conversation(url: str, tokens: tuple[str, str], other_id: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(
            "/api/v1/conversations",
            json={"participant_id": other_id},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        response.raise_for_status()
        return str(response.json()["id"])


async def connect(url: str, token: str, on_message: Any) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    if on_message is not None:
        client.on("message:new", on_message)
    await client.connect(
        url, auth={"token": token}, socketio_path="socket.io", transports=["websocket"],
        wait_timeout=30,
    )  # fmt: skip
    return client


async def fan_out(urls: list[str], tokens: tuple[str, str], conversation_id: str) -> dict[str, Any]:
    """Connect SOCKETS receivers spread over `urls`, send MESSAGES, time every delivery."""
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    delivered = asyncio.Event()
    expected = MESSAGES * SOCKETS
    last_delivery = 0.0

    async def on_message(message: dict[str, Any]) -> None:
        nonlocal last_delivery
        now = time.perf_counter()
        started = sent_at.get(message["text"])
        if started is not None:
            latencies.append(now - started)
            last_delivery = now
            if len(latencies) >= expected:
                delivered.set()

    receivers: list[socketio.AsyncClient] = []
    plan = [(urls[i % len(urls)], tokens[i % 2]) for i in range(SOCKETS)]
    for first in range(0, SOCKETS, CONNECT_BATCH):
        batch = plan[first : first + CONNECT_BATCH]
        receivers += await asyncio.gather(*(connect(u, t, on_message) for u, t in batch))
    sender = await connect(urls[0], tokens[0], None)
    await asyncio.sleep(0.5)  # every socket is in the conversation's room
    try:
        window = asyncio.Semaphore(IN_FLIGHT)

        async def send(seq: int) -> None:
            async with window:
                text = f"bench {seq}"
                sent_at[text] = time.perf_counter()
                ack = await sender.call(
                    "message:send", {"conversation_id": conversation_id, "text": text}, timeout=30
                )
                if "id" not in ack:
                    raise RuntimeError(f"message:send refused: {ack}")

        started = time.perf_counter()
        await asyncio.gather(*(send(seq) for seq in range(MESSAGES)))
        with contextlib.suppress(TimeoutError):  # a shortfall shows in delivered/expected
            await asyncio.wait_for(delivered.wait(), DELIVERY_TIMEOUT)
        seconds = max(last_delivery - started, 1e-9)
        return {
            "rate": len(latencies) / seconds,
            "delivered": len(latencies),
            "expected": expected,
            "p95_ms": percentile(latencies, 95) * 1000,
        }
    finally:
        await asyncio.gather(
            *(c.disconnect() for c in [*receivers, sender]), return_exceptions=True
        )


def run() -> list[dict[str, Any]]:
    with bench_stack() as env:
        log_dir = Path(tempfile.mkdtemp(prefix="esante-bench-chat-"))
        ids = seed(env)
        # One sender socket sends far faster than any person: lift its event budget.
        env = {**env, "SOCKET_EVENTS_PER_MINUTE": "100000000"}
        tokens = (token_for(ids[0]), token_for(ids[1]))
        memory: list[dict[str, Any]] = []
        spread: list[dict[str, Any]] = []
        for _ in range(ROUNDS):
            with web_server({**env, "SOCKETIO_MANAGER": "memory"}, log_dir) as url:
                conversation_id = asyncio.run(open_conversation(url, tokens, ids[1]))
                memory.append(asyncio.run(fan_out([url], tokens, conversation_id)))
            redis_env = {**env, "SOCKETIO_MANAGER": "redis"}
            with web_server(redis_env, log_dir) as one, web_server(redis_env, log_dir) as two:
                spread.append(asyncio.run(fan_out([one, two], tokens, conversation_id)))
    one_rate = median([r["rate"] for r in memory])
    two_rate = median([r["rate"] for r in spread])

    def describe(results: list[dict[str, Any]]) -> str:
        return ", ".join(
            f"{r['rate']:.0f}/s ({r['delivered']}/{r['expected']}, p95 {r['p95_ms']:.0f} ms)"
            for r in results
        )

    p95_two = median([r["p95_ms"] for r in spread])
    p95_one = median([r["p95_ms"] for r in memory])
    return [
        row(
            "P7",
            f"fan-out deliveries/s to {SOCKETS} sockets, 2 web processes on Redis ÷ "
            "1 process in memory",
            two_rate / one_rate if one_rate else 0.0,
            "≥ 0.50",
            f"Redis x2: {describe(spread)}; memory x1: {describe(memory)}; "
            f"p95 delivery latency {p95_two:.0f} ms (Redis x2) vs {p95_one:.0f} ms (memory x1); "
            f"{MESSAGES} messages, {IN_FLIGHT} in flight, median of {ROUNDS} rounds",
        )
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
