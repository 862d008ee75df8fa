"""A minimal Faust app for the consumption benchmark: one agent (concurrency 1) that decodes
and counts every message of a topic, and records in Redis when it saw the first and the
last expected one. Run as `python -m bench.faust_counter worker`.

Configured from the environment: BENCH_TOPIC, BENCH_EXPECTED, BENCH_APP_ID, plus the
platform's KAFKA_BOOTSTRAP_SERVERS and REDIS_URL.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import faust
import redis

servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092").split(",")
app: Any = faust.App(
    os.environ.get("BENCH_APP_ID", "bench-counter"),
    broker=";".join(f"kafka://{s.strip()}" for s in servers),
    store="memory://",
    datadir=tempfile.mkdtemp(prefix="esante-bench-faust-"),  # not the working directory
    web_enabled=False,
    consumer_auto_offset_reset="earliest",
    topic_partitions=int(os.environ.get("KAFKA_PARTITIONS", "4")),
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    broker_rebalance_timeout=6.0,
)
topic = app.topic(os.environ.get("BENCH_TOPIC", "bench.faust"), value_serializer="json")
EXPECTED = int(os.environ.get("BENCH_EXPECTED", "0"))


@app.agent(topic, concurrency=1)
async def count(stream: Any) -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    seen = 0
    async for _value in stream:
        seen += 1
        if seen == 1:
            client.set("bench:faust:first", time.time())
        if seen == EXPECTED:
            client.set("bench:faust:last", time.time())


if __name__ == "__main__":
    app.main()
