"""Clients for actors: built once per worker process on first use, never at import."""

from __future__ import annotations

from functools import lru_cache

import redis

from config.settings import get_settings


@lru_cache(maxsize=1)
def worker_redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis.url, socket_timeout=5)
