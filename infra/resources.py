"""The clients one process holds, opened at start-up and closed at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaClient
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from odmantic import AIOEngine
from redis.asyncio import Redis

from config.settings import Settings
from infra.mongo import create_engine, create_mongo_client
from infra.redis import create_redis
from infra.s3 import create_s3_client

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass
class Resources:
    settings: Settings
    mongo: AsyncIOMotorClient
    engine: AIOEngine
    redis: Redis
    s3: Any
    _kafka: AIOKafkaClient | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        mongo = create_mongo_client(settings.mongo)
        return cls(
            settings=settings,
            mongo=mongo,
            engine=create_engine(mongo, settings.mongo),
            redis=create_redis(settings.redis),
            s3=create_s3_client(settings.s3),
        )

    @property
    def db(self) -> AsyncIOMotorDatabase:
        return self.mongo[self.settings.mongo.db]

    async def close(self) -> None:
        self.mongo.close()
        await self.redis.aclose()
        if self._kafka is not None:
            with contextlib.suppress(Exception):
                await self._kafka.close()

    # --- readiness -----------------------------------------------------------------------

    async def check_mongodb(self) -> None:
        await self.mongo.admin.command("ping")

    async def check_redis(self) -> None:
        await self.redis.ping()

    async def check_kafka(self) -> None:
        if self._kafka is None:
            self._kafka = AIOKafkaClient(
                bootstrap_servers=self.settings.kafka.bootstrap_servers,
                request_timeout_ms=int(CHECK_TIMEOUT_SECONDS * 1000),
            )
            try:
                await self._kafka.bootstrap()
            except Exception:
                client, self._kafka = self._kafka, None
                await client.close()
                raise
        await self._kafka.fetch_all_metadata()

    async def check_s3(self) -> None:
        await asyncio.to_thread(self.s3.head_bucket, Bucket=self.settings.s3.bucket)

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state, checked concurrently with a short timeout each."""
        checks = {
            "mongodb": self.check_mongodb,
            "redis": self.check_redis,
            "kafka": self.check_kafka,
            "s3": self.check_s3,
        }

        async def run(check: Any) -> str:
            try:
                await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
                return "ok"
            except TimeoutError:
                return "down: no answer within 2s"
            except Exception as exc:
                return f"down: {type(exc).__name__}"

        results = await asyncio.gather(*(run(check) for check in checks.values()))
        return dict(zip(checks, results, strict=True))
