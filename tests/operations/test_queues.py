"""Operators see queue depths and dead letters, and a requeued dead letter really runs again."""

import asyncio
import json
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


async def test_two_admins_requeueing_the_same_letter_run_it_once(settings: Settings) -> None:
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    body = {"queue_name": "system", "actor_name": "system.ping", "args": [],
            "kwargs": {"token": "t"}, "options": {"retries": 5}, "message_id": "m1"}  # fmt: skip
    await inspector.redis.zadd("dramatiq:system.XQ", {"m1": 1})
    await inspector.redis.hset("dramatiq:system.XQ.msgs", "m1", json.dumps(body))
    await asyncio.gather(*(inspector.redis.ping() for _ in range(2)))  # two open connections
    both = await asyncio.gather(*(inspector.requeue("system", "m1") for _ in range(2)))
    assert sorted(both) == [False, True]
    assert await inspector.redis.lrange("dramatiq:system", 0, -1) == [b"m1"]
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
    dramatiq.get_broker().get_actor("system.ping").send_with_options(
        kwargs={"token": uuid.uuid4().hex}, delay=60_000
    )
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    names = await inspector.queue_names()
    assert "system" in names
    # The wake-up lists of the queue and of its delay queue are not queues of their own.
    assert not [name for name in names if "wake" in name or name.endswith(".DQ")], names
    depth = await inspector.depth("system")
    assert (depth.ready, depth.delayed, depth.dead) == (3, 1, 0)
    await inspector.redis.aclose()


def _esante(platform, *args: str) -> str:  # type: ignore[no-untyped-def]
    env = {**platform.env, "COLUMNS": "250"}
    command = [sys.executable, "-m", "config.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                          check=True).stdout  # fmt: skip


async def test_cli_lists_a_dead_letter_with_its_arguments_and_requeues_it(
    platform, settings: Settings
) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    sync = redis.Redis.from_url(settings.redis.url)
    platform.start("worker")
    token = uuid.uuid4().hex
    dramatiq.get_broker().get_actor("system.fail_once").send(token)  # positional
    assert wait_for(lambda: sync.zcard("dramatiq:system.XQ") == 1)
    inspector = QueueInspector(create_redis(settings.redis), settings.worker.namespace)
    _, letters = await inspector.dead_letters("system")
    await inspector.redis.aclose()
    assert letters[0].args == ["***"]  # a positional secret is masked by its parameter name
    listed = _esante(platform, "dead-letters", "system")
    assert "system.fail_once" in listed and "'***'" in listed
    assert "failing on purpose" in listed
    message_id = sync.zrange("dramatiq:system.XQ", 0, 0)[0].decode()
    assert message_id in _esante(platform, "dead-letters", "system", "--retry", message_id)
    assert wait_for(lambda: sync.get(f"system:pong:{token}") is not None)


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
