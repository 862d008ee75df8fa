"""Operators see queue depths and dead letters, and a requeued dead letter really runs again."""

import subprocess
import sys
import uuid

import dramatiq
import redis

from actors.broker import configure_broker
from actors.inspection import QueueInspector
from config.settings import Settings
from infra.redis import create_redis
from tests.support.waiting import wait_for


def _send(actor: str, **kwargs: str) -> None:
    dramatiq.get_broker().get_actor(actor).send(**kwargs)


async def test_dead_letter_is_listed_then_requeued_and_runs(platform, settings: Settings) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    sync = redis.Redis.from_url(settings.redis.url)
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    worker = platform.start("worker")
    token = uuid.uuid4().hex
    _send("system.fail_once", token=token)
    assert wait_for(lambda: sync.zcard("dramatiq:system.XQ") == 1), worker.log()[-2000:]

    depth = await inspector.depth("system")
    assert (depth.ready, depth.dead) == (0, 1)
    total, letters = await inspector.dead_letters("system")
    assert total == 1
    letter = letters[0]
    assert letter.actor == "system.fail_once"
    assert letter.kwargs == {"token": "***"}  # argument names that look secret are masked
    assert "failing on purpose" in (letter.last_error or "")

    assert await inspector.requeue("system", letter.message_id)
    assert wait_for(lambda: sync.get(f"system:pong:{token}") is not None), worker.log()[-2000:]
    assert (await inspector.depth("system")).dead == 0
    assert not await inspector.requeue("system", letter.message_id)  # gone: nothing to do
    await inspector.redis.aclose()


async def test_dead_letter_can_be_deleted(platform, settings: Settings) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    sync = redis.Redis.from_url(settings.redis.url)
    platform.start("worker")
    _send("system.fail_once", token=uuid.uuid4().hex)
    assert wait_for(lambda: sync.zcard("dramatiq:system.XQ") == 1)
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    _, letters = await inspector.dead_letters("system")
    assert await inspector.delete("system", letters[0].message_id)
    assert (await inspector.depth("system")).dead == 0
    await inspector.redis.aclose()


async def test_ready_messages_are_counted_without_a_worker(settings: Settings) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    for _ in range(3):
        _send("system.ping", token=uuid.uuid4().hex)
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    names = await inspector.queue_names()
    assert "system" in names
    depth = await inspector.depth("system")
    assert (depth.ready, depth.delayed, depth.dead) == (3, 0, 0)
    await inspector.redis.aclose()


def test_cli_lists_queues_and_jobs(platform, settings: Settings) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    _send("system.ping", token=uuid.uuid4().hex)
    env = {**platform.env, "COLUMNS": "250"}
    out = subprocess.run(
        [sys.executable, "-m", "config.cli", "queues"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "system" in out
    platform.start("scheduler")
    sync = redis.Redis.from_url(settings.redis.url)
    assert wait_for(lambda: sync.hget("scheduler:jobs", "system.heartbeat") is not None)
    assert wait_for(lambda: sync.get("scheduler:last:system.heartbeat") is not None)
    out = subprocess.run(
        [sys.executable, "-m", "config.cli", "jobs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "system.heartbeat" in out
    assert "enqueued system.ping" in out
