"""An idle worker is woken by the enqueue of a job, instead of finding it at its next poll."""

from __future__ import annotations

import uuid

import dramatiq
import redis

from actors.broker import build_broker, configure_broker
from actors.wakeups import WAKE_TOKENS, wake_key
from config.settings import Settings
from tests.support.waiting import wait_for

# Far longer than the test: whatever the worker runs here, it was woken for.
NO_POLL_MS = 10 * 60 * 1000


def test_each_enqueue_leaves_a_token_for_its_queue_and_the_tokens_are_capped(
    settings: Settings,
) -> None:
    broker = build_broker(settings)
    broker.namespace = f"wake-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.redis.url)
    queue = f"q{uuid.uuid4().hex[:6]}"

    @dramatiq.actor(broker=broker, queue_name=queue, actor_name=f"wake_probe_{queue}")
    def probe() -> None:
        pass

    probe.send()
    assert client.llen(wake_key(broker.namespace, queue)) == 1
    probe.send_with_options(delay=60_000)  # waits in the delay queue, whose consumer wakes
    assert client.llen(wake_key(broker.namespace, f"{queue}.DQ")) == 1
    for _ in range(3 * WAKE_TOKENS):
        probe.send()
    # Nobody consumed: the queue holds every job, the wake list no more than its cap.
    assert client.llen(wake_key(broker.namespace, queue)) == WAKE_TOKENS
    assert broker.client.llen(f"{broker.namespace}:{queue}") == 1 + 3 * WAKE_TOKENS


def test_an_idle_worker_runs_an_enqueued_job_without_waiting_for_its_poll(
    platform, settings: Settings
) -> None:
    configure_broker(settings)
    import actors.registry  # noqa: F401

    worker = platform.start("worker", WORKER_TIMEOUT_MS=str(NO_POLL_MS))
    broker = dramatiq.get_broker()
    consumers = len(broker.get_declared_queues()) + len(broker.get_declared_delay_queues())
    client = redis.Redis.from_url(settings.redis.url)

    def all_consumers_waiting() -> bool:
        blocked = [c for c in client.client_list() if "b" in c["flags"] and c["cmd"] == "blpop"]
        return len(blocked) >= consumers

    try:
        for _ in range(3):  # each time idle again, each time woken
            # Every consumer fetched, found nothing and waits on its queue's wake list.
            assert wait_for(all_consumers_waiting), worker.log()
            token = uuid.uuid4().hex
            broker.get_actor("system.ping").send(token=token)
            assert wait_for(lambda t=token: client.get(f"system:pong:{t}") is not None, 20), (
                worker.log()
            )
        # Each token was taken by the consumer it woke.
        assert client.llen(wake_key(settings.worker.namespace, "system")) == 0
    finally:
        worker.kill()  # its consumers would otherwise sit out their ten-minute wait
