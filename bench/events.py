"""Events: the outbox → Kafka → Faust path and the delivery actors, against same-run baselines.

- P6 latency: POST /api/v1/appointments (a real API write: appointment + outbox entry in one
  transaction) → the doctor's notification stored by the streams process (seen on the
  doctor's socket, where it is emitted once stored; polling the store is in the raw
  column), p95 ÷ the p95 of
  a bare aiokafka produce → consume round trip with the same fetch wait (target ≤ 10).
  Both are spaced alike: each write or message comes PAUSE after the previous one arrived,
  so it meets an idle consumer as a sporadic write does. Both back-to-back figures are in
  the raw column too (a write then meets the deliveries and audit of the one before).
- P6 consumption: a Faust agent (concurrency 1) decoding and counting a pre-filled topic,
  msgs/s ÷ a bare aiokafka consumer doing the same (target ≥ 0.25). The raw column also
  gives events/s through the whole outbox → Kafka → audit-chain path.
- P5 throughput: `notifications.send_email` jobs/s (claim, SMTP to the sink, commit) ÷ a
  no-op actor's jobs/s on the same worker (target ≥ 0.5).
- P5 pickup: p95 of enqueue → start for an idle worker ÷ WORKER_TIMEOUT_MS (target ≤ 1.2).

Every figure comes from real processes (web, streams, worker, a Faust counter) on a private
embedded stack. Run alone with `python -m bench.events`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import redis
import socketio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from bson import ObjectId

from bench.support import CpuUse, bench_stack, percentile, process, row, web_server

ROUND_TRIPS = 100
PAUSE = 0.02  # between bare round trips: an idle consumer, as between API writes
API_WRITES = 100
CONSUMED = 20_000
AUDITED = 600
EMAILS = 300
PICKUPS = 20
PARTITIONS = 4


async def _eventually(check: Callable[[], Awaitable[Any]], timeout: float, every: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(every)
    raise TimeoutError(f"not done within {timeout}s")


def _settings() -> Any:
    from config.settings import get_settings

    get_settings.cache_clear()  # the bench stack's environment
    return get_settings()


# --- baselines ------------------------------------------------------------------------


async def bare_round_trips(servers: str, pause: float) -> list[float]:
    """Produce one message, wait until a joined consumer has it; repeated.

    The consumer asks for the fetch wait the streams process uses while events flow. With
    `pause`, each message is produced `pause` seconds after the previous one was consumed,
    so it reaches an idle consumer whose fetch is held, as an API write's event does.
    """
    from streams.fetch_pace import BUSY_WAIT_MS

    topic = f"bench.rtt.{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=servers, group_id=f"rtt-{uuid.uuid4().hex}",
        auto_offset_reset="earliest", fetch_max_wait_ms=BUSY_WAIT_MS,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=0)
    await producer.start()
    await producer.send_and_wait(topic, b"warm")
    await consumer.start()
    try:
        await consumer.getone()  # joined and caught up
        latencies = []
        for i in range(ROUND_TRIPS):
            await asyncio.sleep(pause)
            began = time.perf_counter()
            await producer.send_and_wait(topic, json.dumps({"i": i}).encode())
            await consumer.getone()
            latencies.append(time.perf_counter() - began)
        return latencies
    finally:
        await consumer.stop()
        await producer.stop()


async def fill_topic(servers: str, topic: str, count: int) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=20)
    await producer.start()
    try:
        body = {"type": "record.accessed", "actor": {"id": "x", "role": "doctor"}}
        batch = [
            await producer.send(topic, json.dumps({**body, "id": i}).encode(), key=str(i).encode())
            for i in range(count)
        ]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


async def bare_consume_rate(servers: str, topic: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=servers, group_id=f"bare-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    try:
        seen, first = 0, 0.0
        while seen < count:
            for messages in (await consumer.getmany(timeout_ms=1000)).values():
                if not seen and messages:
                    first = time.perf_counter()
                for message in messages:
                    json.loads(message.value)
                seen += len(messages)
        return count / (time.perf_counter() - first)
    finally:
        await consumer.stop()


def faust_consume_rate(env: dict[str, str], log_dir: Path, topic: str, count: int) -> float:
    client = redis.Redis.from_url(env["REDIS_URL"])
    client.delete("bench:faust:first", "bench:faust:last")
    counter_env = {
        **env, "BENCH_TOPIC": topic, "BENCH_EXPECTED": str(count),
        "BENCH_APP_ID": f"bench-counter-{uuid.uuid4().hex[:8]}",
    }  # fmt: skip
    argv = [
        sys.executable,
        "-m",
        "bench.faust_counter",
        "worker",
        "--loglevel",
        "warn",
        "--without-web",
    ]
    with process(argv, counter_env, log_dir / "faust-counter.log") as counter:
        deadline = time.monotonic() + 90
        while client.get("bench:faust:last") is None:
            if time.monotonic() > deadline or counter.poll() is not None:
                raise TimeoutError((log_dir / "faust-counter.log").read_text()[-2000:])
            time.sleep(0.1)
    first = float(client.get("bench:faust:first") or 0)
    last = float(client.get("bench:faust:last") or 0)
    return count / (last - first)


# --- the platform -----------------------------------------------------------------------


def seed(env: dict[str, str]) -> dict[str, Any]:
    from pymongo import MongoClient

    from bench.appointments import ALL_DAY, token_for

    now = datetime.now(UTC)
    doctor, patient = str(ObjectId()), str(ObjectId())

    def user(user_id: str, role: str) -> dict[str, Any]:
        return {
            "_id": ObjectId(user_id), "email": f"{user_id}@bench.test", "role": role,
            "first_name": "Bench", "last_name": role, "password_hash": "-",
            "email_verified": True, "active": True, "created_at": now, "token_version": 0,
        }  # fmt: skip

    with MongoClient(env["MONGODB_URL"]) as client:
        db = client[env["MONGODB_DB"]]
        db.users.insert_many([user(doctor, "doctor"), user(patient, "patient")])
        db.availability.insert_one({"_id": doctor, **ALL_DAY})
    return {
        "doctor": doctor,
        "patient": patient,
        "token": token_for(patient, "patient"),
        "doctor_token": token_for(doctor, "doctor"),
    }


def booking_starts(count: int) -> list[datetime]:
    from bench.appointments import slot_starts

    midnight = datetime.combine(datetime.now(UTC).date(), datetime.min.time(), UTC)
    return slot_starts(midnight + timedelta(days=2), count)


@dataclass
class Writes:
    seen: list[float]  # request sent → notification seen
    answered: list[float]  # request sent → response received (the write is committed)


async def api_write_to_notification(
    url: str,
    env: dict[str, str],
    data: dict[str, Any],
    starts: list[datetime],
    pause: float,
    seen_on: str = "socket",
) -> Writes:
    """One booking per slot of `starts`, each `pause` seconds after the previous one's
    notification arrived; the latencies of all but the first five.

    The notification is seen where the doctor's app sees it: on the doctor's socket
    (`notification:new`, emitted once the notification is stored), or, with
    `seen_on="store"`, by polling the store every 2 ms (which adds its own queries to the
    store the path waits on)."""
    from motor.motor_asyncio import AsyncIOMotorClient

    db = AsyncIOMotorClient(env["MONGODB_URL"])[env["MONGODB_DB"]]
    headers = {"Authorization": f"Bearer {data['token']}"}
    arrived: dict[str, asyncio.Event] = {}
    socket = socketio.AsyncClient(reconnection=False)

    async def on_notification(notification: dict[str, Any]) -> None:
        arrived.setdefault(notification["subject_id"], asyncio.Event()).set()

    socket.on("notification:new", on_notification)
    await socket.connect(url, auth={"token": data["doctor_token"]}, transports=["websocket"])
    writes = Writes([], [])
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for index, start in enumerate(starts):
                await asyncio.sleep(pause)
                began = time.perf_counter()
                response = await http.post(
                    "/api/v1/appointments",
                    json={
                        "doctor_id": data["doctor"],
                        "start": start.isoformat().replace("+00:00", "Z"),
                        "reason": "bench",
                    },
                    headers=headers,
                )
                answered = time.perf_counter() - began
                assert response.status_code == 201, response.text
                appointment_id = response.json()["id"]
                if seen_on == "socket":
                    seen = arrived.setdefault(appointment_id, asyncio.Event())
                    await asyncio.wait_for(seen.wait(), 60)
                else:

                    async def stored(appointment_id: str = appointment_id) -> Any:
                        notifications = db.notifications
                        return await notifications.find_one({"subject_id": appointment_id})

                    await _eventually(stored, 60, 0.002)
                if index >= 5:  # the first few warm the path up
                    writes.seen.append(time.perf_counter() - began)
                    writes.answered.append(answered)
    finally:
        await socket.disconnect()
    return writes


async def outbox_to_audit_rate(env: dict[str, str]) -> float:
    from motor.motor_asyncio import AsyncIOMotorClient

    from domain.events import Actor, Subject, new_event, publish

    db = AsyncIOMotorClient(env["MONGODB_URL"])[env["MONGODB_DB"]]
    before = await db.audit_logs.count_documents({})
    events = [
        new_event(
            "record.accessed",
            actor=Actor(id="bench-doctor", role="doctor"),
            subject=Subject(type="consultation", id=f"c{i}"),
            patient_id=f"p{i % 50}",
        )
        for i in range(AUDITED)
    ]
    began = time.perf_counter()
    await publish(db, *events)

    async def all_audited() -> bool:
        return await db.audit_logs.count_documents({}) >= before + AUDITED

    await _eventually(all_audited, 120, 0.05)
    return AUDITED / (time.perf_counter() - began)


def _broker(env: dict[str, str]) -> Any:
    import dramatiq

    from actors.broker import configure_broker

    configure_broker(_settings())
    import actors.registry  # noqa: F401

    return dramatiq.get_broker()


# Who spends the CPU of a delivery job (the command line that tells each process apart).
JOB_CPU_ROLES = {
    "worker": "actors.worker",
    "store": "config.stack.store_server",
    "SMTP sink": "config.stack.smtp_sink",
    "Redis": "redis-server",
}


@dataclass
class JobRate:
    per_second: float
    cpu_ms: dict[str, float]  # CPU per job, by process (JOB_CPU_ROLES)

    def cpu_text(self) -> str:
        parts = [f"{role} {ms:.2f}" for role, ms in self.cpu_ms.items() if ms >= 0.005]
        return f"{' + '.join(parts)} = {sum(self.cpu_ms.values()):.2f} ms"


def noop_rate(env: dict[str, str]) -> JobRate:
    broker = _broker(env)
    client = redis.Redis.from_url(env["REDIS_URL"])
    ping = broker.get_actor("system.ping")
    tokens = [uuid.uuid4().hex for _ in range(EMAILS)]
    cpu = CpuUse(JOB_CPU_ROLES)
    cpu.start()
    began = time.perf_counter()
    for token in tokens:
        ping.send(token)
    keys = [f"system:pong:{t}" for t in tokens]
    while client.exists(*keys) < len(keys):
        time.sleep(0.01)
    elapsed = time.perf_counter() - began
    cpu.stop()
    return JobRate(EMAILS / elapsed, cpu.per_job_ms(EMAILS))


def email_rate(env: dict[str, str]) -> JobRate:
    from pymongo import MongoClient

    from domain.notifications.models import Message
    from domain.notifications.repository import store

    async def notifications(user: str) -> list[str]:
        from motor.motor_asyncio import AsyncIOMotorClient

        db = AsyncIOMotorClient(env["MONGODB_URL"])[env["MONGODB_DB"]]
        await db.users.insert_one({"_id": ObjectId(user), "email": f"{user}@bench.test"})
        message = Message(user, "appointments", "Appointment update", "Update.", "http://b/")
        return [
            (await store(db, {"id": f"bench-{user}-{i}", "type": "bench"}, message)).id
            for i in range(EMAILS)
        ]

    user = str(ObjectId())
    ids = asyncio.run(notifications(user))
    mail_dir = Path(env["ESANTE_DATA_DIR"]) / "mail"
    already = _count_mail(mail_dir)
    notifications_ = MongoClient(env["MONGODB_URL"])[env["MONGODB_DB"]].notifications
    done = {"user_id": user, "email_status": "sent"}
    send = _broker(env).get_actor("notifications.send_email")
    cpu = CpuUse(JOB_CPU_ROLES)
    cpu.start()
    began = time.perf_counter()
    for notification_id in ids:
        send.send(notification_id)
    # Progress is read from the sink's directory, not the store: a count on the store every
    # few ms is an aggregation over every notification there (a third of the embedded
    # store's time in a profile), which would slow the jobs it measures.
    while _count_mail(mail_dir) - already < len(ids):
        time.sleep(0.02)
    # A job ends once the store has answered its commit, just after the message went out.
    while notifications_.count_documents(done) < len(ids):
        time.sleep(0.005)
    elapsed = time.perf_counter() - began
    cpu.stop()
    notifications_.database.client.close()
    return JobRate(EMAILS / elapsed, cpu.per_job_ms(EMAILS))


def _count_mail(directory: Path) -> int:
    with os.scandir(directory) as entries:
        return sum(1 for entry in entries if entry.name.endswith(".eml"))


def idle_pickups(env: dict[str, str]) -> list[float]:
    broker = _broker(env)
    client = redis.Redis.from_url(env["REDIS_URL"])
    ping = broker.get_actor("system.ping")
    latencies = []
    for _ in range(PICKUPS):
        time.sleep(0.5)  # let every consumer back off to its idle wait
        token = uuid.uuid4().hex
        began = time.perf_counter()
        ping.send(token)
        while not client.exists(f"system:pong:{token}"):
            time.sleep(0.001)
        latencies.append(time.perf_counter() - began)
    return latencies


def _platform(kind: str, env: dict[str, str], log_dir: Path) -> Any:
    argv = [sys.executable, "-m", "config.cli", kind]
    return process(argv, env, log_dir / f"{kind}.log")


async def _streams_ready(env: dict[str, str]) -> None:
    from motor.motor_asyncio import AsyncIOMotorClient

    from domain.events import Actor, Subject, new_event, publish

    db = AsyncIOMotorClient(env["MONGODB_URL"])[env["MONGODB_DB"]]
    probe = new_event(
        "record.accessed", actor=Actor(id="x", role="doctor"), subject=Subject(type="t", id="x")
    )
    await publish(db, probe)

    async def audited() -> Any:
        return await db.audit_logs.find_one({"event_id": probe.id})

    await _eventually(audited, 90, 0.1)


def run() -> list[dict[str, Any]]:
    with bench_stack() as env:
        env = {**env, "OUTBOX_POLL_MS": os.environ.get("OUTBOX_POLL_MS", "25")}
        log_dir = Path(tempfile.mkdtemp(prefix="esante-bench-events-"))
        servers = env["KAFKA_BOOTSTRAP_SERVERS"]
        settings = _settings()
        round_trips = asyncio.run(bare_round_trips(servers, PAUSE))
        back_to_back = asyncio.run(bare_round_trips(servers, 0.0))
        topic = f"bench.faust.{uuid.uuid4().hex[:8]}"
        asyncio.run(fill_topic(servers, topic, CONSUMED))
        bare_rate = asyncio.run(bare_consume_rate(servers, topic, CONSUMED))
        faust_rate = faust_consume_rate(env, log_dir, topic, CONSUMED)
        data = seed(env)
        with (
            _platform("streams", env, log_dir),
            _platform("worker", env, log_dir),
            web_server(env, log_dir) as url,
        ):
            asyncio.run(_streams_ready(env))
            series = API_WRITES + 5
            starts = booking_starts(3 * series)
            # Spaced like the bare round trips (the ratio's pair), and back to back, when
            # each write meets the deliveries and audit of the one before; then seen by
            # polling the store instead of on the doctor's socket.
            writes = asyncio.run(api_write_to_notification(url, env, data, starts[:series], PAUSE))
            crowded = asyncio.run(
                api_write_to_notification(url, env, data, starts[series : 2 * series], 0.0)
            )
            polled = asyncio.run(
                api_write_to_notification(url, env, data, starts[2 * series :], PAUSE, "store")
            )
            audit_rate = asyncio.run(outbox_to_audit_rate(env))
            noop_rate(env)  # warm-up
            noop = max((noop_rate(env) for _ in range(2)), key=lambda r: r.per_second)
            email = max((email_rate(env) for _ in range(2)), key=lambda r: r.per_second)
            pickups = idle_pickups(env)
    rtt_p95, write_p95 = percentile(round_trips, 95), percentile(writes.seen, 95)
    pickup_p95 = percentile(pickups, 95)
    timeout_s = settings.worker.worker_timeout_ms / 1000
    return [
        row(
            "P6-latency",
            "API write → notification stored p95 ÷ bare aiokafka produce→consume p95",
            write_p95 / rtt_p95,
            "≤ 10",
            f"write→notification on the doctor's socket p95 {write_p95 * 1000:.1f} ms (p50 "
            f"{percentile(writes.seen, 50) * 1000:.1f} ms, n={len(writes.seen)}, "
            f"{PAUSE * 1000:.0f} ms after the last; of which the API's answer p95 "
            f"{percentile(writes.answered, 95) * 1000:.1f} ms, p50 "
            f"{percentile(writes.answered, 50) * 1000:.1f} ms; back to back p95 "
            f"{percentile(crowded.seen, 95) * 1000:.1f} ms, p50 "
            f"{percentile(crowded.seen, 50) * 1000:.1f} ms; found by polling the store p95 "
            f"{percentile(polled.seen, 95) * 1000:.1f} ms, p50 "
            f"{percentile(polled.seen, 50) * 1000:.1f} ms); bare round trip p95 "
            f"{rtt_p95 * 1000:.1f} ms (p50 {percentile(round_trips, 50) * 1000:.1f} ms, "
            f"{PAUSE * 1000:.0f} ms after the last; back to back p95 "
            f"{percentile(back_to_back, 95) * 1000:.1f} ms); outbox poll "
            f"{env['OUTBOX_POLL_MS']} ms",
        ),
        row(
            "P6-consumption",
            "Faust agent msgs/s ÷ bare aiokafka consumer msgs/s",
            faust_rate / bare_rate,
            "≥ 0.25",
            f"Faust {faust_rate:.0f}/s, bare {bare_rate:.0f}/s over {CONSUMED} JSON messages; "
            f"whole path outbox → Kafka → audit chain {audit_rate:.0f} events/s "
            f"({AUDITED} events)",
        ),
        row(
            "P5-throughput",
            "email actor jobs/s ÷ no-op actor jobs/s",
            email.per_second / noop.per_second,
            "≥ 0.5",
            f"send_email {email.per_second:.0f}/s, no-op {noop.per_second:.0f}/s ({EMAILS} jobs, "
            f"best of 2); CPU per job: send_email {email.cpu_text()}, no-op "
            f"{noop.cpu_text()}, on {os.cpu_count()} cores",
        ),
        row(
            "P5-pickup",
            "idle pickup p95 ÷ configured worker timeout",
            pickup_p95 / timeout_s,
            "≤ 1.2",
            f"pickup p95 {pickup_p95 * 1000:.1f} ms, p50 {percentile(pickups, 50) * 1000:.1f} ms; "
            f"WORKER_TIMEOUT_MS {settings.worker.worker_timeout_ms}",
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(json.dumps(result, ensure_ascii=False))
