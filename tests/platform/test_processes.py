"""Each Procfile process starts for real and does its job through the real servers."""

import json
import time
import uuid

import dramatiq
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from actors.broker import configure_broker
from config.settings import Settings
from infra.kafka import ensure_topics
from scheduler.jobs import JobSpec
from scheduler.locking import try_acquire
from scheduler.main import run_locked
from tests.support.processes import PlatformProcess
from tests.support.waiting import wait_for


def test_web_process_serves_ready(platform) -> None:
    web = platform.start("web")
    import httpx

    response = httpx.get(f"{web.url}/health/ready", timeout=5)
    assert response.status_code == 200
    assert response.headers["x-request-id"]


def test_worker_runs_an_actor_through_real_redis(platform, settings: Settings) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    platform.start("worker")
    token = uuid.uuid4().hex
    dramatiq.get_broker().get_actor("system.ping").send(token=token)
    client = redis.Redis.from_url(settings.redis.url)
    assert wait_for(lambda: client.get(f"system:pong:{token}") is not None), platform.processes[
        0
    ].log()


async def test_streams_agent_answers_through_the_real_broker(platform, settings: Settings) -> None:
    await ensure_topics(settings.kafka, ["system.ping", "system.pong"])
    streams = platform.start("streams")
    token = uuid.uuid4().hex
    consumer = AIOKafkaConsumer(
        "system.pong",
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=f"test-{token}",
        auto_offset_reset="latest",
    )
    await consumer.start()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        deadline = time.monotonic() + 90
        answered = False
        while not answered and time.monotonic() < deadline:
            # Resent until the worker has joined its group; each answer carries the token.
            await producer.send_and_wait("system.ping", json.dumps({"token": token}).encode())
            batch = await consumer.getmany(timeout_ms=2000)
            for messages in batch.values():
                answered |= any(json.loads(m.value)["token"] == token for m in messages)
        assert answered, streams.log()[-3000:]
    finally:
        await producer.stop()
        await consumer.stop()


def test_scheduler_lock_runs_a_job_once_across_replicas(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis.url)
    runs: list[str] = []
    spec = JobSpec(id="test.once", seconds=60, run=lambda jobs: runs.append("x") or "ran")
    for _replica in range(3):
        run_locked(client, spec)
    assert runs == ["x"]
    assert json.loads(client.get("scheduler:last:test.once"))["result"] == "ran"


def test_scheduler_lock_frees_for_the_next_period(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis.url)
    assert try_acquire(client, "test.short", 0.2)
    assert not try_acquire(client, "test.short", 0.2)
    time.sleep(0.25)
    assert try_acquire(client, "test.short", 0.2)


def test_two_scheduler_processes_run_each_job_once(platform, settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis.url)
    # At debug level a replica also logs the jobs it leaves to the other one.
    first, second = (platform.start("scheduler", LOG_LEVEL="DEBUG") for _ in range(2))
    # Each replica fires the heartbeat as soon as it starts; only one may enqueue it.
    assert wait_for(lambda: client.get("scheduler:last:system.heartbeat") is not None), first.log()
    assert wait_for(lambda: client.hget("scheduler:jobs", "system.heartbeat") is not None)

    def tried(replica: PlatformProcess) -> bool:
        return any(
            ("job_ran" in line or "job_skipped_other_replica" in line)
            and "system.heartbeat" in line
            for line in replica.log().splitlines()
        )

    assert wait_for(lambda: tried(first) and tried(second)), second.log()
    assert client.hlen("dramatiq:system.msgs") == 1
