from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from config.settings import KafkaSettings


def create_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        acks="all",
        enable_idempotence=settings.idempotence,
        # No lingering: the relay hands a whole batch over in one go (its sends join the same
        # batch before the sender runs), so waiting for more only delayed every event by 5 ms.
        linger_ms=0,
        request_timeout_ms=10_000,
        value_serializer=lambda value: json.dumps(value, separators=(",", ":")).encode(),
        key_serializer=lambda key: key.encode() if key is not None else None,
    )


async def ensure_topics(settings: KafkaSettings, names: list[str]) -> None:
    """Create topics with an explicit partition count (never the broker's default)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    await admin.start()
    try:
        existing: Any = set(await admin.list_topics())
        missing = [
            NewTopic(name, settings.partitions, settings.replication_factor)
            for name in names
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process was first
                await admin.create_topics(missing)
    finally:
        await admin.close()


def outbox_sender(producer: AIOKafkaProducer) -> Any:
    """Sends outbox entries in order on one producer and waits for every acknowledgement."""

    async def send(entries: Any) -> list[BaseException | None]:
        pending: list[Any] = []
        for entry in entries:
            try:
                pending.append(
                    await producer.send(entry["topic"], value=entry["event"], key=entry["key"])
                )
            except Exception as exc:  # refused before it left (e.g. message too large)
                future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                future.set_exception(exc)
                pending.append(future)
        results = await asyncio.gather(*pending, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]

    return send
