"""A round-trip agent operators (and tests) use to prove the stream processor is consuming."""

from __future__ import annotations

from typing import Any

from streams.app import app
from streams.topics import PARTITIONS, SYSTEM_PING, SYSTEM_PONG

ping_topic = app.topic(SYSTEM_PING, partitions=PARTITIONS, value_serializer="json")
pong_topic = app.topic(SYSTEM_PONG, partitions=PARTITIONS, value_serializer="json")


@app.agent(ping_topic, concurrency=1)
async def answer_pings(stream: Any) -> None:
    async for ping in stream:
        await pong_topic.send(value={"token": ping.get("token"), "answered_by": "streams"})
