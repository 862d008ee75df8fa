"""Clients for actors: built once per worker process on first use, never at import."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from functools import lru_cache
from typing import Any, TypeVar

import redis
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from config.settings import get_settings

T = TypeVar("T")


@lru_cache(maxsize=1)
def worker_redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis.url, socket_timeout=5)


_local = threading.local()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on this worker thread's own event loop (kept for the thread's lifetime,
    so the MongoDB client it holds is reused across jobs)."""
    loop = getattr(_local, "loop", None)
    if loop is None:
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


def worker_mongo() -> AsyncIOMotorClient:
    """This thread's MongoDB client (Motor clients belong to one event loop)."""
    client = getattr(_local, "mongo", None)
    if client is None:
        from infra.mongo import create_mongo_client

        client = _local.mongo = create_mongo_client(get_settings().mongo)
    return client


def worker_db() -> AsyncIOMotorDatabase:
    return worker_mongo()[get_settings().mongo.db]


@lru_cache(maxsize=1)
def worker_sync_db() -> Any:
    """A blocking client, shared by the worker's threads: for work that is a few round trips
    (the delivery actors), with no hop through an event loop and motor's executor, and for
    writes that must return to the calling thread at once (the email commit)."""
    from pymongo import MongoClient

    settings = get_settings().mongo
    client: MongoClient[Any] = MongoClient(
        settings.url, serverSelectionTimeoutMS=settings.timeout_ms, tz_aware=True
    )
    return client[settings.db]
