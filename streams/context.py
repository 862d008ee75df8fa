"""What the stream processors share in one process: opened on first use inside the
worker's event loop (never at import), closed when the worker stops."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from config.settings import Settings, get_settings
from domain.audit.chain import AuditChain
from domain.shared.jobs import JobQueue

if TYPE_CHECKING:
    from infra.live_notifications import LiveNotifications


@dataclass
class StreamsContext:
    settings: Settings
    mongo: Any
    db: Any
    jobs: JobQueue  # backed by the Dramatiq broker
    live: LiveNotifications  # pushes stored notifications to their user's sockets
    audit_chain: AuditChain  # this process's writer of the audit chain
    producer: Any = None

    async def kafka_producer(self) -> Any:
        if self.producer is None:
            from infra.kafka import create_producer

            producer = create_producer(self.settings.kafka)
            await producer.start()
            self.producer = producer
        return self.producer

    async def close_producer(self) -> None:
        if self.producer is not None:
            producer, self.producer = self.producer, None
            await producer.stop()

    async def close(self) -> None:
        await self.close_producer()
        self.mongo.close()


_context: StreamsContext | None = None
_lock = asyncio.Lock()
_indexes_ready = False


async def streams_context() -> StreamsContext:
    global _context, _indexes_ready
    if _context is not None and _indexes_ready:
        return _context
    async with _lock:
        if _context is None:
            from actors.broker import configure_broker
            from actors.dispatch import BrokerJobQueue
            from infra.mongo import create_mongo_client

            settings = get_settings()
            configure_broker(settings)
            import actors.registry  # noqa: F401 - jobs are enqueued by actor name
            from infra.live_notifications import LiveNotifications

            mongo = create_mongo_client(settings.mongo)
            db = mongo[settings.mongo.db]
            audit_key = settings.audit.hmac_key.get_secret_value().encode()
            _context = StreamsContext(
                settings,
                mongo,
                db,
                BrokerJobQueue(),
                LiveNotifications(settings),
                AuditChain(db, audit_key),
            )
        if not _indexes_ready:
            await ensure_indexes(_context.db)
            _indexes_ready = True
    return _context


async def ensure_indexes(db: Any) -> None:
    from domain.audit.chain import ensure_audit_indexes
    from domain.events.relay import ensure_outbox_indexes
    from domain.notifications.devices import ensure_device_indexes
    from domain.notifications.repository import ensure_notification_indexes

    await ensure_outbox_indexes(db)
    await ensure_audit_indexes(db)
    await ensure_notification_indexes(db)
    await ensure_device_indexes(db)


async def close_streams_context() -> None:
    global _context
    if _context is not None:
        await _context.close()
        _context = None
